package call

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// State of a call.
type State string

// Call states, as listed by the API and stored.
const (
	Live        State = "live"
	Ended       State = "ended"
	Interrupted State = "interrupted" // the server stopped without ending it (crash)
)

// Record is what the Recorder persists of a call.
type Record struct {
	ID        string
	Source    string
	State     State
	Agent     string
	Meta      map[string]string
	StartedAt time.Time
	EndedAt   time.Time
	Reason    string
	Parties   []event.Party
	Summary   *event.Summary
}

// Recorder persists call records. CallEnded must be durable when it returns: call.ended is
// only published afterwards.
type Recorder interface {
	CallStarted(ctx context.Context, r Record) error
	CallEnded(ctx context.Context, r Record) error
}

// Info is a snapshot of a call for listings.
type Info struct {
	ID        string        `json:"id"`
	State     State         `json:"state"`
	Source    string        `json:"source"`
	Agent     string        `json:"agent,omitempty"`
	Team      string        `json:"team,omitempty"`  // from the call's meta "team": supervisors' scope
	Queue     string        `json:"queue,omitempty"` // from the call's meta "queue"
	Parties   []event.Party `json:"parties"`
	StartedAt time.Time     `json:"started_at"`
	EndedAt   *time.Time    `json:"ended_at,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	// Summary is set once the call has ended (GET /v1/calls/{id} of an ended call).
	Summary *event.Summary `json:"summary,omitempty"`
}

// Call is one live call and everything it owns.
type Call struct {
	id     string
	idJSON []byte // id as a JSON string, for emitCue
	source string
	agent  string
	meta   map[string]string
	owner  string // who opened it (OpenParams.Owner): only they may join, push or end it
	cfg    *Config
	log    *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	emitMu sync.Mutex // orders seq assignment with publication
	seq    uint64

	mu        sync.Mutex
	streams   map[event.Party]*Stream
	order     []event.Party
	closers   []func()
	state     State
	started   time.Time
	ended     time.Time
	reason    string
	summary   *event.Summary
	endOnce   sync.Once
	done      chan struct{}
	onRemoved func(*Call)

	joiners   []CallAnalyzer
	joinCh    chan event.Event // nil when there are no call analyzers
	joinStop  chan struct{}    // closed by finish: the joiner drains and stops
	joinDone  chan struct{}
	joinDrops uint64 // guarded by emitMu
}

// ID returns the call id.
func (c *Call) ID() string { return c.id }

// Source returns the ingest protocol the call came in through.
func (c *Call) Source() string { return c.source }

// Owner returns who opened the call (OpenParams.Owner).
func (c *Call) Owner() string { return c.owner }

// Meta returns the call's metadata (agent, team, queue, lang, playbook, protocol keys).
// The map is never changed after the call opens; callers must not change it either.
func (c *Call) Meta() map[string]string { return c.meta }

// Agent returns the agent id the call is assigned to, if any.
func (c *Call) Agent() string { return c.agent }

// Context is cancelled when the call ends.
func (c *Call) Context() context.Context { return c.ctx }

// Done is closed once the call has fully ended: goroutines stopped, summary written,
// call.ended published.
func (c *Call) Done() <-chan struct{} { return c.done }

// Log returns the call's scoped logger.
func (c *Call) Log() *slog.Logger { return c.log }

// Info returns a snapshot for listings.
func (c *Call) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := Info{ID: c.id, State: c.state, Source: c.source, Agent: c.agent, Team: c.meta["team"],
		Queue: c.meta["queue"], Parties: slices.Clone(c.order), StartedAt: c.started, Reason: c.reason,
		Summary: c.summary}
	if in.Parties == nil {
		in.Parties = []event.Party{}
	}
	if !c.ended.IsZero() {
		e := c.ended
		in.EndedAt = &e
	}
	return in
}

// Go runs fn on a goroutine owned by the call. A panic in fn is recovered, logged, and
// ends this call with reason "error".
func (c *Call) Go(name string, fn func(ctx context.Context)) {
	c.mu.Lock()
	if c.state != Live { // finish may already be waiting: nothing new may start
		c.mu.Unlock()
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				c.cfg.Metrics.Panics.Inc()
				c.log.Error("panic in call goroutine; ending the call", "goroutine", name,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				go c.End("error") // End waits for this goroutine: not from here
			}
		}()
		fn(c.ctx)
	}()
}

// OnEnd registers fn to run when the call ends, before its goroutines are waited for:
// use it to close connections whose read loops block (a peer connection, a socket).
// If the call has already ended, fn runs now.
func (c *Call) OnEnd(fn func()) {
	c.mu.Lock()
	if c.state != Live {
		c.mu.Unlock()
		fn()
		return
	}
	c.closers = append(c.closers, fn)
	c.mu.Unlock()
}

// Emit implements Emitter: it stamps the event with the next sequence number and the
// wall clock and publishes it. Safe from any goroutine; never blocks.
func (c *Call) Emit(party event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.seq++
	ev := event.Event{V: event.Version, Type: typ, Call: c.id, Seq: c.seq,
		TS: c.cfg.Now().UnixMilli(), Party: party, T: t.Seconds(), Data: data}
	raw, err := event.Marshal(&ev)
	if err != nil {
		c.log.Error("dropping event that does not marshal", "type", typ, "err", err)
		return
	}
	c.cfg.Metrics.Events.WithLabelValues(typ).Inc()
	c.cfg.Publish(raw)
	c.enqueue(ev)
}

// Join attaches a party stream fed by one ingest goroutine. codecName is informational
// (it is reported in the summary and metrics).
func (c *Call) Join(p event.Party, codecName string) (*Stream, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("call %s: join %q: %w", c.id, p, event.ErrParty)
	}
	c.mu.Lock()
	if c.state != Live {
		c.mu.Unlock()
		return nil, fmt.Errorf("call %s: join %s: %w", c.id, p, ErrEnded)
	}
	if _, ok := c.streams[p]; ok {
		c.mu.Unlock()
		return nil, fmt.Errorf("call %s: join %s: %w", c.id, p, ErrPartyTaken)
	}
	offset := c.cfg.Now().Sub(c.started)
	s := newStream(c, p, codecName, offset)
	c.streams[p] = s
	c.order = append(c.order, p)
	c.mu.Unlock()
	c.log.Info("party joined", "party", p, "codec", codecName)
	c.Emit(p, offset, &event.PartyJoinedData{Codec: codecName})
	return s, nil
}

// Leave detaches a party whose peer hung up (BYE, stop, a hangup frame, DELETE)
// without ending the call; the stream's analyzers are flushed. The call ends by itself,
// reason "hangup", when its last party has left.
func (c *Call) Leave(p event.Party) { c.leave(p, "hangup") }

// Lost detaches a party whose connection broke without a goodbye (a crashed browser, a
// socket reset); if it was the last party the call ends with reason "connection_lost",
// which the pages do not present as a hang-up.
func (c *Call) Lost(p event.Party) { c.leave(p, "connection_lost") }

func (c *Call) leave(p event.Party, reason string) {
	c.mu.Lock()
	s := c.streams[p]
	c.mu.Unlock()
	if s == nil || !s.leave() {
		return // unknown, or it had left already: the first leave decides
	}
	c.mu.Lock()
	allLeft := true
	for _, s := range c.streams {
		if !s.hasLeft() {
			allLeft = false
		}
	}
	c.mu.Unlock()
	if allLeft {
		c.Hangup(reason)
	}
}

// Hangup ends the call with reason without waiting for it: safe from any goroutine,
// including those the call owns (which End must not be called from).
func (c *Call) Hangup(reason string) { go c.End(reason) }

// End ends the call once: it runs the OnEnd closers, cancels the context, waits for
// the call's goroutines, flushes the streams, writes the summary through the Recorder and
// then publishes call.ended. Later calls wait for the first to finish. It must not be
// called from a goroutine started with Go (use `go c.End(...)` there).
func (c *Call) End(reason string) {
	c.endOnce.Do(func() { c.finish(reason) })
	<-c.done
}

func (c *Call) finish(reason string) {
	c.mu.Lock()
	closers := c.closers
	c.closers = nil
	c.state = Ended
	c.reason = reason
	c.mu.Unlock()
	for _, fn := range closers {
		fn()
	}
	c.cancel()
	c.wg.Wait()

	c.mu.Lock()
	c.ended = c.cfg.Now()
	streams := make([]*Stream, 0, len(c.order))
	for _, p := range c.order {
		streams = append(streams, c.streams[p])
	}
	c.mu.Unlock()
	sum := &event.Summary{DurationS: c.ended.Sub(c.started).Seconds(), Parties: map[event.Party]event.PartySummary{}}
	for _, s := range streams {
		s.leave() // flushes analyzers if the ingest did not
		sum.Parties[s.party] = s.summary()
	}
	if c.joinCh != nil {
		close(c.joinStop)
		<-c.joinDone
		c.emitMu.Lock()
		c.joinCh = nil // nothing reads it any more
		c.emitMu.Unlock()
		c.safely("summary", func() {
			for _, a := range c.joiners {
				if sm, ok := a.(Summarizer); ok {
					sm.Summarize(sum)
				}
			}
		})
	}
	c.mu.Lock()
	c.summary = sum
	rec := c.recordLocked()
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.StoreTimeout)
	if err := c.cfg.Recorder.CallEnded(ctx, rec); err != nil {
		c.log.Error("writing call summary failed", "err", err)
	}
	cancel()
	ended := event.CallEndedData(c.callInfo(rec))
	c.Emit("", 0, &ended)
	c.cfg.Metrics.CallsActive.Dec()
	c.cfg.Metrics.CallsEnded.WithLabelValues(reason).Inc()
	c.log.Info("call ended", "reason", reason, "duration_s", fmt.Sprintf("%.1f", sum.DurationS))
	if c.onRemoved != nil {
		c.onRemoved(c)
	}
	// What the call held for analysis (per party: decoders, resamplers, emotion feature
	// buffers; the call analyzers' state) is no longer needed once the summary is out.
	// Others may keep the *Call a while (hint ratings during wrap-up emit on it): they
	// must not keep all that with it — 10,000 ended calls once held 3 GB.
	c.mu.Lock()
	c.streams = map[event.Party]*Stream{}
	c.mu.Unlock()
	c.joiners = nil
	close(c.done)
}

func (c *Call) recordLocked() Record {
	return Record{ID: c.id, Source: c.source, State: c.state, Agent: c.agent, Meta: c.meta,
		StartedAt: c.started, EndedAt: c.ended, Reason: c.reason,
		Parties: slices.Clone(c.order), Summary: c.summary}
}

func (c *Call) callInfo(r Record) event.CallInfo {
	in := event.CallInfo{Source: r.Source, Parties: r.Parties, StartedAt: r.StartedAt.UnixMilli(),
		Reason: r.Reason, Summary: r.Summary, Agent: r.Agent, Meta: r.Meta}
	if !r.EndedAt.IsZero() {
		in.EndedAt = r.EndedAt.UnixMilli()
	}
	return in
}

// watch ends the call when no party has sent audio for IdleTimeout (a peer that vanished
// without hanging up), or when nobody joined within IdleTimeout.
func (c *Call) watch(ctx context.Context) {
	tick := time.NewTicker(c.cfg.IdleTimeout / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := c.cfg.Now()
		last := c.started
		c.mu.Lock()
		for _, s := range c.streams {
			if t := s.lastInput(); t.After(last) {
				last = t
			}
		}
		c.mu.Unlock()
		if now.Sub(last) > c.cfg.IdleTimeout {
			c.log.Warn("no audio from any party; ending the call", "idle", now.Sub(last).Round(time.Second))
			go c.End("timeout")
			return
		}
	}
}
