package hub

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/event"
)

// Websocket close codes the hub sends besides the standard ones; the pages show a
// sentence for each (4000–4999 are the application's own).
const (
	CloseNotAllowed = 4403 // the call started and this viewer may not see it
	CloseNoCall     = 4404 // a waited-for call did not start in time
	CloseEnded      = 4410 // the call ended long ago: its record is at /v1/calls/{id}
)

// Subscription says what one websocket client receives.
type Subscription struct {
	Call  string // one call's events; empty for every call (Filter decides)
	Since uint64 // replay held events of Call with seq > Since (Call only)
	// WaitUntil lets a Call subscription wait for a call that has not started yet (CTI
	// tells the desktop the call id at ring time): its events flow from call.started on.
	// Past WaitUntil without call.started the client is closed with CloseNoCall. Zero: the
	// call must be known to the hub already.
	WaitUntil time.Time
	// Allow decides, once the call's owner is known (at call.started, or at once for a
	// call already started), whether this viewer may see it; a refusal closes the socket
	// with CloseNotAllowed and the reason, before any of the call's events. nil: allowed.
	Allow func(CallMeta) (ok bool, reason string)
	// Filter picks the events of an all-calls subscription, given the event and what
	// the hub knows of its call (parsed once per call, not per subscriber). nil: all.
	Filter func(raw event.Raw, meta CallMeta) bool
}

// ErrClosed is returned when the hub is shutting down.
var ErrClosed = errors.New("hub: closed")

// ErrNoCall is returned by Serve for a call subscription the hub knows nothing of and
// may not wait for; nothing has been written, so the caller answers.
var ErrNoCall = errors.New("hub: no such call")

type client struct {
	q    *queue
	sub  Subscription
	conn *websocket.Conn
	kick chan struct{} // closed when the hub disconnects the client
	once sync.Once

	mu      sync.Mutex
	code    int    // close code to send when kicked
	reason  string // close reason
	allowed bool   // Allow passed
	seen    map[string]uint64
}

func (c *client) disconnect(code int, reason string) {
	c.once.Do(func() {
		c.mu.Lock()
		c.code, c.reason = code, reason
		c.mu.Unlock()
		close(c.kick)
		if c.conn != nil { // unblock a writer stuck on a full socket
			_ = c.conn.UnderlyingConn().SetWriteDeadline(time.Now())
		}
	})
}

// deliver queues raw for c, with the one-call check and the all-calls filter; for
// all-calls clients it skips what the client had already (snapshot and live publish can
// overlap by an event at attach time).
func (h *Hub) deliver(c *client, raw event.Raw, meta CallMeta, now time.Time) {
	if c.sub.Call == "" {
		if c.sub.Filter != nil && !c.sub.Filter(raw, meta) {
			return
		}
		c.mu.Lock()
		if raw.Seq <= c.seen[raw.Call] && raw.Seq != 0 {
			c.mu.Unlock()
			return
		}
		if raw.Type == event.CallEnded {
			delete(c.seen, raw.Call)
		} else {
			c.seen[raw.Call] = raw.Seq
		}
		c.mu.Unlock()
	} else if !c.allow(meta) {
		return
	}
	dropped, ok := c.q.push(raw, now)
	if dropped > 0 {
		h.metrics.QueueDrops.WithLabelValues("ws_client").Add(float64(dropped))
	}
	if !ok {
		c.disconnect(websocket.CloseTryAgainLater, "too slow: reconnect with since")
	}
}

// allow runs the subscription's check once the call's owner is known; a refusal
// disconnects the client.
func (c *client) allow(meta CallMeta) bool {
	c.mu.Lock()
	if c.allowed || c.sub.Allow == nil {
		c.allowed = true
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	if !meta.Known {
		return false // nothing before call.started: it says who may see the call
	}
	ok, reason := c.sub.Allow(meta)
	if !ok {
		c.disconnect(CloseNotAllowed, reason)
		return false
	}
	c.mu.Lock()
	c.allowed = true
	c.mu.Unlock()
	return true
}

// Serve upgrades the request to a websocket and streams the subscription until the client
// goes away, falls too far behind, is refused, or the hub closes. The caller has
// authenticated the request. A Call subscription to a call the hub does not know and
// may not wait for returns ErrNoCall before upgrading. Serve blocks; it owns the client's
// writer and reader.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, sub Subscription) error {
	if h.closing.Load() {
		return ErrClosed
	}
	if sub.Call != "" && sub.WaitUntil.IsZero() && h.lookup(sub.Call) == nil {
		return ErrNoCall
	}
	conn, err := h.up.Upgrade(w, r, nil)
	if err != nil {
		return err // the upgrader has written the HTTP error
	}
	if tc, ok := conn.UnderlyingConn().(interface{ SetWriteBuffer(int) error }); ok {
		_ = tc.SetWriteBuffer(h.cfg.SendBuffer)
	}
	c := &client{q: newQueue(h.cfg.QueueLen, h.cfg.MaxLag), sub: sub, conn: conn, kick: make(chan struct{}),
		seen: map[string]uint64{}}
	if !h.enter() {
		closeWith(conn, websocket.CloseGoingAway, "server shutting down")
		conn.Close()
		return ErrClosed
	}
	defer h.wg.Done()
	h.attach(c)
	h.metrics.WSClients.Inc()
	defer func() {
		h.detach(c)
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

func (h *Hub) attach(c *client) {
	if c.sub.Call == "" {
		h.allMu.Lock()
		defer h.allMu.Unlock()
		cur := *h.all.Load()
		next := append(slices.Clip(cur), c)
		h.all.Store(&next)
		h.snapshot(c)
		return
	}
	t := h.topicFor(c.sub.Call) // a waited-for call gets an empty topic; Sweep drops it if unused
	now := h.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.allow(t.meta) {
		for _, raw := range t.hist.since(c.sub.Since, nil) {
			if _, ok := c.q.push(raw, now); !ok {
				break // history larger than the queue: the client gets the newest part next time
			}
		}
	}
	t.clients = append(t.clients, c)
}

// snapshot gives a new all-calls client the state of every live call: of each call's
// held history, the events its filter passes, with only the newest of each coalescable
// kind (call.status included) so a wallboard starts complete, not flooded.
func (h *Hub) snapshot(c *client) {
	h.mu.RLock()
	topics := make([]*topic, 0, len(h.calls))
	for _, t := range h.calls {
		topics = append(topics, t)
	}
	h.mu.RUnlock()
	now := h.cfg.Now()
	for _, t := range topics {
		t.mu.Lock()
		if t.ended.IsZero() {
			held := t.hist.since(0, nil)
			newest := map[string]uint64{}
			for _, r := range held {
				if event.IsCue(r.Type) || r.Type == event.CallStatus {
					newest[r.Type+"/"+string(r.Party)] = r.Seq
				}
			}
			for _, r := range held {
				if s, ok := newest[r.Type+"/"+string(r.Party)]; ok && s != r.Seq {
					continue
				}
				h.deliver(c, r, t.meta, now)
			}
		}
		t.mu.Unlock()
	}
}

func (h *Hub) detach(c *client) {
	if c.sub.Call == "" {
		h.allMu.Lock()
		cur := *h.all.Load()
		next := slices.DeleteFunc(slices.Clone(cur), func(x *client) bool { return x == c })
		h.all.Store(&next)
		h.allMu.Unlock()
	} else if t := h.lookup(c.sub.Call); t != nil {
		t.mu.Lock()
		t.clients = slices.DeleteFunc(t.clients, func(x *client) bool { return x == c })
		t.mu.Unlock()
	}
	c.q.close()
}

// write drains the client's queue onto the socket; it returns why it stopped.
func (h *Hub) write(conn *websocket.Conn, c *client, readerDone <-chan struct{}) string {
	ping := time.NewTicker(h.cfg.PingInterval)
	defer ping.Stop()
	var wait <-chan time.Time
	if !c.sub.WaitUntil.IsZero() {
		timer := time.NewTimer(time.Until(c.sub.WaitUntil))
		defer timer.Stop()
		wait = timer.C
	}
	var batch []event.Raw
	for {
		select {
		case <-c.q.notify:
			batch = c.q.take(batch)
			for _, raw := range batch {
				_ = conn.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
				if err := conn.WriteMessage(websocket.TextMessage, raw.Body); err != nil {
					select {
					case <-c.kick: // disconnect cut the write short
						return h.kicked(conn, c)
					default:
					}
					if isTimeout(err) {
						return "slow"
					}
					return "write_error"
				}
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.cfg.WriteTimeout)); err != nil {
				return "write_error"
			}
		case <-wait:
			wait = nil
			if t := h.lookup(c.sub.Call); t != nil {
				t.mu.Lock()
				known := t.meta.Known
				t.mu.Unlock()
				if known {
					continue
				}
			}
			closeWith(conn, CloseNoCall, "call "+c.sub.Call+" did not start in time")
			return "no_call"
		case <-readerDone:
			return "client_closed"
		case <-c.kick:
			return h.kicked(conn, c)
		case <-h.ctx.Done():
			closeWith(conn, websocket.CloseGoingAway, "server shutting down")
			return "shutdown"
		}
	}
}

// kicked closes a client the hub disconnected with its code and reason.
func (h *Hub) kicked(conn *websocket.Conn, c *client) string {
	c.mu.Lock()
	code, reason := c.code, c.reason
	c.mu.Unlock()
	closeWith(conn, code, reason)
	if code == CloseNotAllowed {
		return "not_allowed"
	}
	return "slow"
}

func closeWith(conn *websocket.Conn, code int, reason string) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	_ = conn.UnderlyingConn().SetWriteDeadline(time.Time{})
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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

// ServeEnded answers a websocket for a call the hub no longer holds (it ended long ago):
// it sends events (the stored call's end, with its summary) and closes with CloseEnded,
// so the page can show the summary and stop reconnecting.
func (h *Hub) ServeEnded(w http.ResponseWriter, r *http.Request, events []event.Raw, reason string) error {
	conn, err := h.up.Upgrade(w, r, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, raw := range events {
		_ = conn.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
		if err := conn.WriteMessage(websocket.TextMessage, raw.Body); err != nil {
			return nil
		}
	}
	closeWith(conn, CloseEnded, reason)
	h.metrics.WSDisconnects.WithLabelValues("ended").Inc()
	return nil
}
