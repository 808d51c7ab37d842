package hub

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

// Lock order (never take an earlier lock while holding a later one):
//
//	Hub.mu (the topic map, read-mostly) → topic.mu (one call) → client.mu → queue.mu
//	Hub.allMu (writers of the all-calls set) → topic.mu (its snapshot) → client.mu → queue.mu
//
// Publish takes Hub.mu only for a map lookup (a read lock; the write lock only when a
// call's first event creates its topic), then that call's topic.mu while it records and
// delivers the event: calls never wait on each other, and a call's events reach every
// client in order. The all-calls subscriber set is copy-on-write, read without a lock.

// Config tunes the hub. Zero values take the defaults in brackets.
type Config struct {
	QueueLen       int           // per-client outbox [256]
	History        int           // events other than live cues kept per call for since= replay [2048]
	CueHistory     int           // live cues (level, pitch, vad) kept per call: ~30 s of a two-party call [1200]
	HistoryTTL     time.Duration // how long an ended call's history is kept [10m]
	TrimAfter      time.Duration // an ended call keeps its live cues this long, then only the rest [30s]
	MaxEnded       int           // ended calls whose history is kept at most [2000]
	WriteTimeout   time.Duration // per message [5s]
	PingInterval   time.Duration // [20s]
	MaxLag         time.Duration // a client whose oldest queued event is older is dropped [10s]
	SendBuffer     int           // socket send buffer per client, bytes, so a stalled reader shows [64 KiB]
	SweepEvery     time.Duration // how often ended calls and abandoned waits are forgotten [30s]
	AllowedOrigins []string      // extra browser origins allowed besides the server's own host
	Now            func() time.Time
}

func (c *Config) defaults() {
	if c.QueueLen <= 0 {
		c.QueueLen = 256
	}
	if c.History <= 0 {
		c.History = 2048
	}
	if c.CueHistory <= 0 {
		c.CueHistory = 1200
	}
	if c.HistoryTTL <= 0 {
		c.HistoryTTL = 10 * time.Minute
	}
	if c.TrimAfter <= 0 {
		c.TrimAfter = 30 * time.Second
	}
	if c.MaxEnded <= 0 {
		c.MaxEnded = 2000
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.MaxLag <= 0 {
		c.MaxLag = 10 * time.Second
	}
	if c.SendBuffer <= 0 {
		c.SendBuffer = 64 << 10
	}
	if c.SweepEvery <= 0 {
		c.SweepEvery = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// CallMeta is what the hub knows of a call from its call.started event: who may see it.
type CallMeta struct {
	Known bool // call.started has been seen
	Agent string
	Team  string
	Queue string
}

// Hub routes events to subscribed websocket clients.
type Hub struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics.Metrics
	up      websocket.Upgrader

	mu    sync.RWMutex
	calls map[string]*topic

	allMu sync.Mutex
	all   atomic.Pointer[[]*client] // all-calls subscribers, copy-on-write under allMu

	life    sync.Mutex // orders closing with wg.Add
	closing atomic.Bool
	wg      sync.WaitGroup // serving clients and the sweeper
	ctx     context.Context
	cancel  context.CancelFunc
}

type topic struct {
	mu      sync.Mutex
	hist    history
	clients []*client // this call's own subscribers
	started event.Raw // the call.started event, kept past the history ring (Started)
	meta    CallMeta
	ended   time.Time // zero while live
	trimmed bool      // the live cues of the ended call are gone
	created time.Time
}

// New returns a hub and starts its sweeper. Close disconnects every client and waits
// for their writers and the sweeper.
func New(cfg Config, log *slog.Logger, m *metrics.Metrics) *Hub {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{cfg: cfg, log: log, metrics: m, calls: map[string]*topic{}, ctx: ctx, cancel: cancel}
	h.all.Store(&[]*client{})
	h.up = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 8192, CheckOrigin: h.checkOrigin}
	h.wg.Add(1)
	go h.sweeper()
	return h
}

// Publish records one event in its call's history and routes it to the call's clients
// and to the all-calls clients whose filter passes it. It never blocks on a client;
// it is safe to use as a bus subscriber, from any number of calls at once.
func (h *Hub) Publish(raw event.Raw) {
	t := h.topicFor(raw.Call)
	now := h.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hist.add(raw)
	switch raw.Type {
	case event.CallStarted:
		t.started = raw
		t.meta = parseMeta(raw.Body)
	case event.CallEnded:
		t.ended = now
		if !t.meta.Known {
			t.meta = parseMeta(raw.Body)
		}
	}
	for _, c := range t.clients {
		h.deliver(c, raw, t.meta, now)
	}
	for _, c := range *h.all.Load() {
		h.deliver(c, raw, t.meta, now)
	}
}

// topicFor returns the topic of a call, creating it for the call's first event.
func (h *Hub) topicFor(call string) *topic {
	h.mu.RLock()
	t := h.calls[call]
	h.mu.RUnlock()
	if t != nil {
		return t
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t = h.calls[call]; t == nil {
		t = &topic{hist: newHistory(h.cfg.CueHistory, h.cfg.History), created: h.cfg.Now()}
		h.calls[call] = t
	}
	return t
}

func (h *Hub) lookup(call string) *topic {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.calls[call]
}

// parseMeta reads who a call belongs to from its call.started (or call.ended) event:
// once per call, not once per subscriber.
func parseMeta(body []byte) CallMeta {
	var ev struct {
		Data struct {
			Agent string            `json:"agent"`
			Meta  map[string]string `json:"meta"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &ev) != nil {
		return CallMeta{}
	}
	return CallMeta{Known: true, Agent: ev.Data.Agent, Team: ev.Data.Meta["team"], Queue: ev.Data.Meta["queue"]}
}

// Started returns the call.started event the hub holds for a call — this node's or, over
// a shared bus, another node's — and whether the call has ended since. The API uses it to
// serve calls that run on another node.
func (h *Hub) Started(call string) (raw event.Raw, ended, ok bool) {
	t := h.lookup(call)
	if t == nil {
		return event.Raw{}, false, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started.Body == nil {
		return event.Raw{}, false, false
	}
	return t.started, !t.ended.IsZero(), true
}

// sweeper forgets ended calls on a timer (not only when another call ends).
func (h *Hub) sweeper() {
	defer h.wg.Done()
	tick := time.NewTicker(h.cfg.SweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-tick.C:
			h.Sweep()
		}
	}
}

// Sweep drops the live cues of calls that ended more than TrimAfter ago (a viewer of an
// ended call needs its emotions, words, hints and end, not its level meter), forgets
// calls that ended more than HistoryTTL ago (or beyond the MaxEnded newest) and have no
// clients left, and topics that clients waited on but whose call never started. It
// returns how many topics it removed.
func (h *Hub) Sweep() int {
	now := h.cfg.Now()
	cut := now.Add(-h.cfg.HistoryTTL)
	trimCut := now.Add(-h.cfg.TrimAfter)
	type ended struct {
		id string
		at time.Time
	}
	var endedTopics []ended
	h.mu.Lock()
	defer h.mu.Unlock()
	removed := 0
	for id, t := range h.calls {
		t.mu.Lock()
		if !t.ended.IsZero() && !t.trimmed && t.ended.Before(trimCut) {
			t.hist.trim()
			t.trimmed = true
		}
		idle := len(t.clients) == 0
		gone := idle && ((!t.ended.IsZero() && t.ended.Before(cut)) || (t.hist.len() == 0 && t.started.Body == nil))
		if !t.ended.IsZero() && idle && !gone {
			endedTopics = append(endedTopics, ended{id, t.ended})
		}
		t.mu.Unlock()
		if gone {
			delete(h.calls, id)
			removed++
		}
	}
	if over := len(endedTopics) - h.cfg.MaxEnded; over > 0 {
		// Oldest first.
		for i := 0; i < over; i++ {
			oldest := i
			for j := i + 1; j < len(endedTopics); j++ {
				if endedTopics[j].at.Before(endedTopics[oldest].at) {
					oldest = j
				}
			}
			endedTopics[i], endedTopics[oldest] = endedTopics[oldest], endedTopics[i]
			delete(h.calls, endedTopics[i].id)
			removed++
		}
	}
	return removed
}

// Stats is a snapshot of the hub's size.
type Stats struct {
	Topics, Live, Ended, Held, Clients int // Held: events in histories
}

// Stats returns how much the hub holds.
func (h *Hub) Stats() Stats {
	var s Stats
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, t := range h.calls {
		t.mu.Lock()
		s.Topics++
		if t.ended.IsZero() {
			s.Live++
		} else {
			s.Ended++
		}
		s.Held += t.hist.len()
		s.Clients += len(t.clients)
		t.mu.Unlock()
	}
	s.Clients += len(*h.all.Load())
	return s
}

// enter counts a serving client unless the hub is closing.
func (h *Hub) enter() bool {
	h.life.Lock()
	defer h.life.Unlock()
	if h.closing.Load() {
		return false
	}
	h.wg.Add(1)
	return true
}

// Close disconnects every client and waits until their handlers and the sweeper have
// returned or ctx ends.
func (h *Hub) Close(ctx context.Context) error {
	h.life.Lock()
	h.closing.Store(true)
	h.life.Unlock()
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
