package hub

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

// Config tunes the hub. Zero values take the defaults in brackets.
type Config struct {
	QueueLen       int           // per-client outbox [256]
	History        int           // events kept per call for since= replay [4096]
	HistoryTTL     time.Duration // how long an ended call's history is kept [10m]
	WriteTimeout   time.Duration // per message [5s]
	PingInterval   time.Duration // [20s]
	AllowedOrigins []string      // extra browser origins allowed besides the server's own host
	Now            func() time.Time
}

func (c *Config) defaults() {
	if c.QueueLen <= 0 {
		c.QueueLen = 256
	}
	if c.History <= 0 {
		c.History = 4096
	}
	if c.HistoryTTL <= 0 {
		c.HistoryTTL = 10 * time.Minute
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Hub routes events to subscribed websocket clients.
type Hub struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics.Metrics
	up      websocket.Upgrader

	mu      sync.Mutex
	calls   map[string]*topic
	all     map[*client]struct{} // subscribers to every call
	closing bool
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	ctx     context.Context
}

type topic struct {
	hist    *history
	clients map[*client]struct{}
	started event.Raw // the call.started event, kept past the history ring (Started)
}

type client struct {
	q      *queue
	filter func(event.Raw) bool
	kick   chan struct{} // closed when the hub disconnects the client
	once   sync.Once
}

func (c *client) disconnect() { c.once.Do(func() { close(c.kick) }) }

// New returns a hub. Close disconnects every client and waits for their writers.
func New(cfg Config, log *slog.Logger, m *metrics.Metrics) *Hub {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{cfg: cfg, log: log, metrics: m, calls: map[string]*topic{},
		all: map[*client]struct{}{}, ctx: ctx, cancel: cancel}
	h.up = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 8192, CheckOrigin: h.checkOrigin}
	return h
}

// Publish routes one event to the call's clients and to all-calls clients, and records it
// in the call's history. It never blocks; it is safe to use as a bus subscriber.
func (h *Hub) Publish(raw event.Raw) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topicLocked(raw.Call)
	t.hist.add(raw)
	if raw.Type == event.CallStarted {
		t.started = raw
	}
	if raw.Type == event.CallEnded {
		t.hist.ended = h.cfg.Now()
		h.sweepLocked()
	}
	for c := range t.clients {
		h.deliver(c, raw)
	}
	for c := range h.all {
		if c.filter == nil || c.filter(raw) {
			h.deliver(c, raw)
		}
	}
}

func (h *Hub) deliver(c *client, raw event.Raw) {
	dropped, ok := c.q.push(raw)
	if dropped > 0 {
		h.metrics.QueueDrops.WithLabelValues("ws_client").Add(float64(dropped))
	}
	if !ok {
		h.metrics.WSDisconnects.WithLabelValues("slow").Inc()
		c.disconnect()
	}
}

func (h *Hub) topicLocked(call string) *topic {
	t := h.calls[call]
	if t == nil {
		t = &topic{hist: newHistory(h.cfg.History), clients: map[*client]struct{}{}}
		h.calls[call] = t
	}
	return t
}

// sweepLocked forgets the history of calls that ended more than HistoryTTL ago and have
// no clients left.
func (h *Hub) sweepLocked() {
	cut := h.cfg.Now().Add(-h.cfg.HistoryTTL)
	for id, t := range h.calls {
		if !t.hist.ended.IsZero() && t.hist.ended.Before(cut) && len(t.clients) == 0 {
			delete(h.calls, id)
		}
	}
}

// Started returns the call.started event the hub holds for a call — this node's or, over
// a shared bus, another node's — and whether the call has ended since. The API uses it to
// serve calls that run on another node.
func (h *Hub) Started(call string) (raw event.Raw, ended, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.calls[call]
	if t == nil || t.started.Body == nil {
		return event.Raw{}, false, false
	}
	return t.started, !t.hist.ended.IsZero(), true
}

// Subscription says what one websocket client receives.
type Subscription struct {
	Call   string               // one call's events; empty for every call
	Since  uint64               // replay held events of Call with seq > Since (Call only)
	Filter func(event.Raw) bool // optional, for all-calls subscriptions
}

// ErrClosed is returned when the hub is shutting down.
var ErrClosed = errors.New("hub: closed")

// Serve upgrades the request to a websocket and streams the subscription until the client
// goes away, falls too far behind, or the hub closes. The caller has authorised the
// request already. Serve blocks; it owns the client's writer and reader.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, sub Subscription) error {
	conn, err := h.up.Upgrade(w, r, nil)
	if err != nil {
		return err // the upgrader has written the HTTP error
	}
	c := &client{q: newQueue(h.cfg.QueueLen), filter: sub.Filter, kick: make(chan struct{})}
	if err := h.attach(c, sub); err != nil {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		conn.Close()
		return err
	}
	h.metrics.WSClients.Inc()
	defer func() {
		h.detach(c, sub)
		h.metrics.WSClients.Dec()
		conn.Close()
	}()
	readerDone := make(chan struct{})
	go func() { // owned: Serve waits for it below
		defer close(readerDone)
		conn.SetReadLimit(4096)
		_ = conn.SetReadDeadline(time.Now().Add(3 * h.cfg.PingInterval))
		conn.SetPongHandler(func(string) error {
			return conn.SetReadDeadline(time.Now().Add(3 * h.cfg.PingInterval))
		})
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	reason := h.write(conn, c, readerDone)
	h.metrics.WSDisconnects.WithLabelValues(reason).Inc()
	conn.Close() // unblocks the reader
	<-readerDone
	return nil
}

func (h *Hub) attach(c *client, sub Subscription) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return ErrClosed
	}
	h.wg.Add(1)
	if sub.Call == "" {
		h.snapshotLocked(c)
		h.all[c] = struct{}{}
		return nil
	}
	t := h.topicLocked(sub.Call)
	for _, raw := range t.hist.since(sub.Since, nil) {
		if _, ok := c.q.push(raw); !ok {
			break // history larger than the queue: the client gets the newest part next time
		}
	}
	t.clients[c] = struct{}{}
	return nil
}

// snapshotLocked gives a new all-calls client the state of every live call: of each
// call's held history, the events its filter passes, with only the newest of each
// coalescable kind (call.status included) so a wallboard starts complete, not flooded.
func (h *Hub) snapshotLocked(c *client) {
	for _, t := range h.calls {
		if !t.hist.ended.IsZero() {
			continue
		}
		held := t.hist.since(0, nil)
		newest := map[string]uint64{}
		for _, r := range held {
			if event.IsCue(r.Type) || r.Type == event.CallStatus {
				newest[r.Type+"/"+string(r.Party)] = r.Seq
			}
		}
		for _, r := range held {
			if c.filter != nil && !c.filter(r) {
				continue
			}
			if s, ok := newest[r.Type+"/"+string(r.Party)]; ok && s != r.Seq {
				continue
			}
			c.q.push(r)
		}
	}
}

func (h *Hub) detach(c *client, sub Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sub.Call == "" {
		delete(h.all, c)
	} else if t := h.calls[sub.Call]; t != nil {
		delete(t.clients, c)
	}
	c.q.close()
	h.wg.Done()
}

// write drains the client's queue onto the socket; it returns why it stopped.
func (h *Hub) write(conn *websocket.Conn, c *client, readerDone <-chan struct{}) string {
	ping := time.NewTicker(h.cfg.PingInterval)
	defer ping.Stop()
	var batch []event.Raw
	for {
		select {
		case <-c.q.notify:
			batch = c.q.take(batch)
			for _, raw := range batch {
				_ = conn.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
				if err := conn.WriteMessage(websocket.TextMessage, raw.Body); err != nil {
					return "write_error"
				}
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.cfg.WriteTimeout)); err != nil {
				return "write_error"
			}
		case <-readerDone:
			return "client_closed"
		case <-c.kick:
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow: reconnect with since"),
				time.Now().Add(time.Second))
			return "slow"
		case <-h.ctx.Done():
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return "shutdown"
		}
	}
}

// Close disconnects every client and waits until their handlers have returned or ctx ends.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	h.mu.Unlock()
	h.cancel()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkOrigin allows non-browser clients (no Origin), same-host pages, and configured origins.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	return false
}
