package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/undertone/undertone/internal/event"
)

// NATSConfig configures a NATS bus.
type NATSConfig struct {
	URL     string       // nats://host:port (a comma-separated list for a cluster)
	Node    string       // this node's name; events carry it so a node skips its own echo
	Subject string       // default "undertone.events"
	Queue   int          // events waiting to go out before new ones are dropped; default 8192
	Log     *slog.Logger // default slog.Default()
}

// originHeader names the node that published an event.
const originHeader = "Undertone-Node"

// NATS is the bus of a node in a cluster: this node's events go to its own subscribers at
// once and out over NATS to every other node; other nodes' events arrive and go to this
// node's subscribers. A supervisor connected to any node therefore sees every call.
//
// Two kinds of subscribers: Subscribe sees every event of the cluster (the websocket hub);
// Own().Subscribe sees only this node's events, so that each call is written to a shared
// store exactly once, by the node that runs it.
//
// Publish never blocks the call that publishes: events wait on a bounded queue for the
// sender goroutine and are dropped (and counted) when NATS cannot keep up. Events of one
// call keep their order (one queue, one connection); a receiver may still see a gap in seq
// after a drop or a reconnect, which the browser already handles (it asks with since=).
type NATS struct {
	all, own *Local
	nc       *nats.Conn
	sub      *nats.Subscription
	node     string
	subject  string
	log      *slog.Logger

	out  chan event.Raw
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	sent, received, dropped, malformed atomic.Uint64
}

var _ Bus = (*NATS)(nil)

// DialNATS connects to NATS and subscribes to the cluster's events. It returns once the
// subscription is in place on the server, so nothing published after it is missed. It
// keeps reconnecting for as long as the node runs.
func DialNATS(cfg NATSConfig) (*NATS, error) {
	if cfg.URL == "" {
		return nil, errors.New("bus: NATS URL is empty")
	}
	if cfg.Node == "" {
		return nil, errors.New("bus: NATS needs this node's name")
	}
	if cfg.Subject == "" {
		cfg.Subject = "undertone.events"
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 8192
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	n := &NATS{all: NewLocal(), own: NewLocal(), node: cfg.Node, subject: cfg.Subject,
		log: cfg.Log, out: make(chan event.Raw, cfg.Queue), done: make(chan struct{})}
	nc, err := nats.Connect(cfg.URL,
		nats.Name("undertone "+cfg.Node),
		nats.Timeout(5*time.Second),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				n.log.Warn("NATS disconnected; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { n.log.Info("NATS reconnected", "url", c.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			n.log.Warn("NATS asynchronous error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("bus: connect to NATS at %s: %w", redact(cfg.URL), err)
	}
	n.nc = nc
	if n.sub, err = nc.Subscribe(cfg.Subject, n.receive); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: subscribe %s: %w", cfg.Subject, err)
	}
	// A hub node receives every call's events: allow a deep backlog before NATS drops.
	_ = n.sub.SetPendingLimits(1<<16, 64<<20)
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: NATS subscription not confirmed: %w", err)
	}
	n.wg.Add(1)
	go n.send()
	n.log.Info("event bus: NATS", "url", nc.ConnectedUrlRedacted(), "subject", cfg.Subject, "node", cfg.Node)
	return n, nil
}

// Publish implements Bus: this node's subscribers get raw now, the other nodes soon.
func (n *NATS) Publish(raw event.Raw) {
	n.all.Publish(raw)
	n.own.Publish(raw)
	select {
	case <-n.done:
		return
	default:
	}
	select {
	case n.out <- raw:
	default:
		if d := n.dropped.Add(1); d == 1 || d%1000 == 0 {
			n.log.Warn("NATS cannot keep up: events for other nodes dropped", "dropped", d)
		}
	}
}

// Subscribe implements Bus with every event of the cluster.
func (n *NATS) Subscribe(fn func(event.Raw)) func() { return n.all.Subscribe(fn) }

// Own is the view of the bus that carries only this node's events.
func (n *NATS) Own() Bus { return ownView{n} }

type ownView struct{ n *NATS }

func (v ownView) Publish(raw event.Raw)               { v.n.Publish(raw) }
func (v ownView) Subscribe(fn func(event.Raw)) func() { return v.n.own.Subscribe(fn) }
func (v ownView) Close() error                        { return nil }

// NATSStats counts what went through the bus.
type NATSStats struct{ Sent, Received, Dropped, Malformed uint64 }

// Stats returns the counters so far.
func (n *NATS) Stats() NATSStats {
	return NATSStats{n.sent.Load(), n.received.Load(), n.dropped.Load(), n.malformed.Load()}
}

func (n *NATS) send() {
	defer n.wg.Done()
	for {
		select {
		case raw := <-n.out:
			n.publish(raw)
		case <-n.done:
			for { // what is queued still goes out
				select {
				case raw := <-n.out:
					n.publish(raw)
				default:
					return
				}
			}
		}
	}
}

func (n *NATS) publish(raw event.Raw) {
	msg := &nats.Msg{Subject: n.subject, Data: raw.Body, Header: nats.Header{originHeader: []string{n.node}}}
	if err := n.nc.PublishMsg(msg); err != nil {
		if d := n.dropped.Add(1); d == 1 || d%1000 == 0 {
			n.log.Warn("NATS publish failed: event not sent to other nodes", "err", err, "dropped", d)
		}
		return
	}
	n.sent.Add(1)
}

// receive runs on the subscription's goroutine, one message at a time, in order.
func (n *NATS) receive(m *nats.Msg) {
	if m.Header.Get(originHeader) == n.node {
		return // ours: our subscribers had it at Publish
	}
	raw, err := event.Unmarshal(m.Data)
	if err != nil {
		if c := n.malformed.Add(1); c == 1 || c%1000 == 0 {
			n.log.Warn("NATS: malformed event ignored", "err", err, "from", m.Header.Get(originHeader), "malformed", c)
		}
		return
	}
	n.received.Add(1)
	n.all.Publish(raw)
}

// Close sends what is queued, then leaves NATS. Safe to call twice.
func (n *NATS) Close() error {
	var err error
	n.once.Do(func() {
		close(n.done)
		n.wg.Wait()
		_ = n.sub.Unsubscribe()
		err = n.nc.FlushTimeout(5 * time.Second)
		n.nc.Close()
	})
	return err
}

// redact hides credentials in a NATS URL list before it is logged.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = url.User("redacted")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
