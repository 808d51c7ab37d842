package store

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

// Recorder persists events off the hot path. Record puts an event on a bounded queue and
// returns at once; one goroutine takes whatever is queued (up to MaxBatch events) and
// writes it in one transaction.
//
// Drop policy "drop-newest": when the queue is full the event being recorded is dropped
// and counted (Stats().Dropped); what is queued already is kept. Event types the store
// does not keep (level, pitch, vad, dynamics, alert, call.*) never take queue space.
//
// When the store cannot write (a full disk, a database away), nothing already taken is
// thrown away: the failed batch is held and retried with backoff (RetryMin doubling to
// RetryMax), events still arriving join it, up to MaxHeld events — beyond that the newest
// are dropped and counted. Call rows the registry could not write (ForRegistry) are held
// too, and written before any held row, so a call's start is stored before its timeline.
// While anything is held Writable reports an error: readiness fails and the write APIs
// answer 503 rather than accept what may not be kept. When the store writes again all of
// it goes out and Writable clears by itself. Errors that retrying cannot cure (an
// invalid record, a constraint) drop the batch and count it failed, as before.
//
// Persisted: emotion (utterances only; rolling windows are live cues), transcript, intent,
// hint, hint.feedback, decoded as event.EmotionData, TranscriptData, HintData and
// HintFeedbackData; an intent payload is read for "intent" (or "label") and "confidence"
// and kept whole. A hint's title is stored in the call's language (HintData.Lang). The
// event's ts (Unix ms) is the row's time; its party is the row's party.
//
// Trend buckets are fed from the same events: customer utterances (arousal, valence,
// negative share), hints raised and hints rated useful, keyed by the call's queue, team
// and agent as the registry stored them (read once per call). Calls are counted by
// Store.CallEnded. Buckets accumulate, so exactly one Recorder per event stream must feed
// them: with several nodes on one bus, each node records only its own calls' events.
type Recorder struct {
	st  Store
	cfg RecorderConfig
	log *slog.Logger
	q   chan event.Raw

	mu     sync.RWMutex // guards closed against sends on a closed channel
	closed bool
	done   chan struct{}
	kick   chan struct{} // a call row was held: retry soon
	abort  chan struct{} // Close's context ended: give up what is held
	abortO sync.Once
	ctx    context.Context // cancelled on abort: bounds writes in flight
	cancel context.CancelFunc

	dropped, written, failed, ignored atomic.Uint64
	writeErrs                         [len(opNames)]atomic.Uint64

	hold hold // call rows and the health of the store, shared with ForRegistry

	// owned by the run goroutine
	batch Batch
	n     int // events in batch
	dims  map[string]callDims
}

// MaxBatch is the most events one transaction carries when the store keeps up.
const MaxBatch = 512

// RecorderConfig tunes a Recorder. Zero fields take the defaults in brackets.
type RecorderConfig struct {
	Queue    int           // events queued for the writer [4096]
	MaxHeld  int           // events held for retry while the store cannot write [20 000]
	MaxCalls int           // call rows held for retry [10 000]
	RetryMin time.Duration // first retry after a failed write [100ms]
	RetryMax time.Duration // longest wait between retries [5s]
	Timeout  time.Duration // one write [30s]
	// CloseRetries is how many more times Close tries what is still held, even with a
	// context that never ends [3].
	CloseRetries int
	Log          *slog.Logger
}

func (c *RecorderConfig) defaults() {
	if c.Queue <= 0 {
		c.Queue = 4096
	}
	if c.MaxHeld <= 0 {
		c.MaxHeld = 20_000
	}
	if c.MaxCalls <= 0 {
		c.MaxCalls = 10_000
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 100 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.CloseRetries <= 0 {
		c.CloseRetries = 3
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// RecorderStats counts events. Written and Failed count events taken off the queue;
// Held is what waits for the store now (events and call rows).
type RecorderStats struct {
	Queued, Written, Dropped, Failed, Ignored uint64
	Held                                      int
	WriteErrors                               uint64 // failed write attempts, retries included
}

type callDims struct{ queue, team, agent string }

// NewRecorder starts a recorder with a queue of `queue` events (0: 4096). The caller owns
// it and must Close it.
func NewRecorder(st Store, log *slog.Logger, queue int) *Recorder {
	return StartRecorder(st, RecorderConfig{Queue: queue, Log: log})
}

// StartRecorder starts a recorder. The caller owns it and must Close it.
func StartRecorder(st Store, cfg RecorderConfig) *Recorder {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{
		st: st, cfg: cfg, log: cfg.Log.With("component", "store.recorder"),
		q: make(chan event.Raw, cfg.Queue), done: make(chan struct{}),
		kick: make(chan struct{}, 1), abort: make(chan struct{}), ctx: ctx, cancel: cancel,
		dims: map[string]callDims{},
	}
	r.hold.max = cfg.MaxCalls
	go r.run()
	return r
}

// Persisted reports whether events of type t are written by a Recorder.
func Persisted(t string) bool {
	switch t {
	case event.Emotion, event.Transcript, event.Intent, event.Hint, event.HintFeedback, event.CallEnded:
		return true
	}
	return false
}

// Record queues raw for writing. It never blocks; see the drop policy above. Safe to call
// from many goroutines, and after Close (the event is dropped).
func (r *Recorder) Record(raw event.Raw) {
	if !Persisted(raw.Type) {
		r.ignored.Add(1)
		return
	}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		r.dropped.Add(1)
		return
	}
	select {
	case r.q <- raw:
	default:
		r.dropped.Add(1)
	}
	r.mu.RUnlock()
}

// Stats returns the counters.
func (r *Recorder) Stats() RecorderStats {
	s := RecorderStats{
		Queued: uint64(len(r.q)), Written: r.written.Load(), Dropped: r.dropped.Load(),
		Failed: r.failed.Load(), Ignored: r.ignored.Load(), Held: r.hold.held(),
	}
	for i := range r.writeErrs {
		s.WriteErrors += r.writeErrs[i].Load()
	}
	return s
}

// MetricsStats is Stats for /metrics (metrics.Metrics.RegisterStore).
func (r *Recorder) MetricsStats() metrics.StoreStats {
	s := metrics.StoreStats{Written: r.written.Load(), Failed: r.failed.Load(), Dropped: r.dropped.Load(),
		WriteErrors: make(map[string]uint64, len(opNames)), Held: r.hold.held(), Writable: r.Writable() == nil}
	for i, name := range opNames {
		s.WriteErrors[name] = r.writeErrs[i].Load()
	}
	return s
}

// Close stops taking events, writes what is queued and held and waits for that until ctx
// ends. While the store fails it retries CloseRetries times (sooner if ctx ends); what is
// still held then is lost, counted failed and logged. Safe to call twice.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.q)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		// Give up what is held; a write in flight is cancelled (a store that ignores its
		// context may still hold the goroutine: a later Close waits for it).
		r.abortO.Do(func() { close(r.abort); r.cancel() })
		return ctx.Err()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	defer r.cancel()
	wait := r.cfg.RetryMin
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	armed := false
	for {
		if r.holding() {
			if !armed { // events keep arriving while held: the retry keeps its time
				retry.Reset(wait)
				armed = true
			}
			select {
			case raw, ok := <-r.q:
				if !ok {
					retry.Stop()
					r.final()
					return
				}
				r.take(raw)
				r.fill()
				continue
			case <-retry.C:
				armed = false
			case <-r.abort:
				retry.Stop()
				r.giveUp()
				return
			}
			if r.flush() {
				wait = r.cfg.RetryMin
			} else {
				wait = min(2*wait, r.cfg.RetryMax)
			}
			continue
		}
		select {
		case raw, ok := <-r.q:
			if !ok {
				r.final()
				return
			}
			r.take(raw)
			r.fill()
		case <-r.kick:
		}
		if !r.flush() {
			wait = r.cfg.RetryMin
		}
	}
}

// fill takes what is queued without waiting, up to MaxBatch (when the store keeps up) or
// MaxHeld (while it does not) events in the batch.
func (r *Recorder) fill() {
	limit := MaxBatch
	if r.holding() {
		limit = r.cfg.MaxHeld
	}
	for r.n < limit {
		select {
		case raw, ok := <-r.q:
			if !ok {
				return // the next receive in run sees the close
			}
			r.take(raw)
		default:
			return
		}
	}
}

// take decodes raw into the batch, unless the batch is held and full (drop-newest).
func (r *Recorder) take(raw event.Raw) {
	if r.n >= r.cfg.MaxHeld {
		r.dropped.Add(1)
		return
	}
	r.n += r.add(raw)
	r.hold.setEvents(r.heldEvents())
}

// holding reports whether a failed write is waiting to be retried.
func (r *Recorder) holding() bool { return r.hold.failing() }

func (r *Recorder) heldEvents() int {
	if r.hold.failing() {
		return r.n
	}
	return 0
}

// final writes what is left at Close, retrying a failing store CloseRetries times.
func (r *Recorder) final() {
	wait := r.cfg.RetryMin
	for try := 0; ; try++ {
		if r.flush() {
			return
		}
		if try >= r.cfg.CloseRetries {
			r.giveUp()
			return
		}
		select {
		case <-time.After(wait):
			wait = min(2*wait, r.cfg.RetryMax)
		case <-r.abort:
			r.giveUp()
			return
		}
	}
}

// giveUp loses what is held, counted and logged.
func (r *Recorder) giveUp() {
	calls := r.hold.drain()
	if r.n > 0 || len(calls) > 0 {
		r.failed.Add(uint64(r.n))
		r.log.Error("store still failing at shutdown: held events and call rows lost",
			"events", r.n, "calls", len(calls), "err", r.hold.lastErr())
	}
	r.batch.Reset()
	r.n = 0
	r.hold.setEvents(0)
}

// flush writes the held call rows, then the batch. It reports whether everything went;
// on a retryable failure what failed stays held.
func (r *Recorder) flush() bool {
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.Timeout)
	defer cancel()
	if !r.writeCalls(ctx) {
		r.hold.setEvents(r.n) // rows wait for their calls
		return false
	}
	if r.batch.Len() == 0 {
		r.written.Add(uint64(r.n))
		r.n = 0
		r.hold.ok()
		return true
	}
	err := r.st.Write(ctx, &r.batch)
	if err != nil {
		r.writeErrs[opBatch].Add(1)
		if r.hold.keep(err) {
			r.hold.fail(err)
			r.hold.setEvents(r.n)
			if f := r.writeErrs[opBatch].Load(); f == 1 || f%100 == 0 {
				r.log.Error("store write failed; holding the batch for retry", "events", r.n,
					"failed_writes", f, "err", err)
			}
			return false
		}
		r.failed.Add(uint64(r.n))
		r.log.Error("store refused a batch; dropped", "events", r.n, "err", err)
	} else {
		r.written.Add(uint64(r.n))
	}
	r.batch.Reset()
	r.n = 0
	r.hold.ok()
	r.hold.setEvents(0)
	return true
}
