package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/call"
)

// ErrUnwritable is what Writable wraps while the store cannot write what the node holds.
var ErrUnwritable = errors.New("store cannot write")

// Write operations, counted per kind (metrics.StoreWriteOps).
const (
	opBatch = iota
	opStarted
	opEnded
)

var opNames = [...]string{"batch", "call_started", "call_ended"}

// heldCall is a call row the registry could not write.
type heldCall struct {
	rec   CallRecord
	ended bool
}

// hold is what the recorder keeps for retry and what it knows of the store's health. The
// run goroutine and ForRegistry's callers share it.
type hold struct {
	mu     sync.Mutex
	max    int
	calls  []heldCall
	events int       // events held in the batch
	err    error     // the last failed write; nil after a write succeeds
	since  time.Time // first failure of this outage
	// strikes counts consecutive failures with errors not known to be passing (see
	// keep): after MaxStrikes the row that fails is dropped instead of blocking all.
	strikes int
}

// MaxStrikes is how often a write failing with an error that is neither known to pass
// (a full disk, a lost connection, a lock, a timeout) nor known to be permanent is retried
// before what fails is dropped, so an unforeseen permanent refusal cannot hold back every
// row behind it.
const MaxStrikes = 10

func (h *hold) failing() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err != nil || len(h.calls) > 0
}

func (h *hold) fail(err error) {
	h.mu.Lock()
	if h.err == nil {
		h.since = time.Now()
	}
	h.err = err
	h.mu.Unlock()
}

func (h *hold) ok() {
	h.mu.Lock()
	if len(h.calls) == 0 {
		h.err = nil
	}
	h.strikes = 0
	h.mu.Unlock()
}

// keep reports whether a failed write is held for another try: never for what the store
// refuses as such, always for errors that pass (a full disk, a lost connection), and
// MaxStrikes times in a row for anything else.
func (h *hold) keep(err error) bool {
	if !retryable(err) {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if transient(err) {
		h.strikes = 0
		return true
	}
	h.strikes++
	if h.strikes > MaxStrikes {
		h.strikes = 0
		return false
	}
	return true
}

func (h *hold) lastErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *hold) setEvents(n int) {
	h.mu.Lock()
	h.events = n
	h.mu.Unlock()
}

func (h *hold) held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.events + len(h.calls)
}

// add holds c; false when max call rows are held already.
func (h *hold) add(c heldCall, err error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) >= h.max {
		return false
	}
	h.calls = append(h.calls, c)
	if h.err == nil {
		h.since = time.Now()
	}
	if err != nil {
		h.err = err
	}
	return true
}

func (h *hold) first() (heldCall, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) == 0 {
		return heldCall{}, false
	}
	return h.calls[0], true
}

// pop removes the first held call row (only the run goroutine removes).
func (h *hold) pop() {
	h.mu.Lock()
	h.calls = h.calls[1:]
	if len(h.calls) == 0 {
		h.calls = nil
	}
	h.mu.Unlock()
}

func (h *hold) hasCalls() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls) > 0
}

// start returns a held, not yet written start row of the call.
func (h *hold) start(id string) (CallRecord, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.calls {
		if c.rec.ID == id && !c.ended {
			return c.rec, true
		}
	}
	return CallRecord{}, false
}

func (h *hold) drain() []heldCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.calls
	h.calls = nil
	return out
}

// Writable reports whether the store writes what this node records: nil, or an error
// wrapping ErrUnwritable that says why in words safe to show anyone ("disk full",
// "read-only", "timed out", "write failed" — never a path or an address) and since when.
// It clears by itself once the held rows are written.
func (r *Recorder) Writable() error {
	h := &r.hold
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil && len(h.calls) == 0 {
		return nil
	}
	return fmt.Errorf("%w (%s) for %s, %d held for retry", ErrUnwritable, describe(h.err),
		time.Since(h.since).Round(time.Second), h.events+len(h.calls))
}

// describe names a write error without its details.
func describe(err error) string {
	if err == nil {
		return "write failed"
	}
	s := strings.ToLower(err.Error())
	switch {
	case strings.Contains(s, "full") || strings.Contains(s, "no space"):
		return "disk full"
	case strings.Contains(s, "readonly") || strings.Contains(s, "read-only") || strings.Contains(s, "read only"):
		return "read-only"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "write failed"
}

// retryable reports whether writing again may succeed: everything but a record the store
// refuses as such (ErrInvalid, a constraint), which would fail forever and hold back
// everything behind it.
func retryable(err error) bool {
	if errors.Is(err, ErrInvalid) || errors.Is(err, ErrExists) {
		return false
	}
	return !strings.Contains(strings.ToLower(err.Error()), "constraint")
}

// transientWords mark errors that pass by themselves: space, I/O, locks, connections.
var transientWords = []string{"full", "no space", "i/o", "busy", "locked", "timeout", "timed out", "deadline",
	"connection", "broken pipe", "reset by peer", "eof", "unavailable", "too many clients", "shutting down",
	"read-only", "readonly"}

// transient reports whether err is known to pass: retried for as long as it lasts.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	s := strings.ToLower(err.Error())
	for _, w := range transientWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// writeCalls writes the held call rows in order; false when one failed and is still held.
func (r *Recorder) writeCalls(ctx context.Context) bool {
	for {
		c, ok := r.hold.first()
		if !ok {
			return true
		}
		op, err := opStarted, error(nil)
		if c.ended {
			op, err = opEnded, r.st.CallEnded(ctx, c.rec)
		} else {
			err = r.st.CallStarted(ctx, c.rec)
		}
		if err != nil {
			r.writeErrs[op].Add(1)
			if r.hold.keep(err) {
				r.hold.fail(err)
				return false
			}
			r.failed.Add(1)
			r.log.Error("store refused a held call row; dropped", "call", c.rec.ID, "op", opNames[op], "err", err)
		} else {
			r.log.Info("held call row written", "call", c.rec.ID, "op", opNames[op])
		}
		r.hold.pop()
	}
}

// ForRegistry adapts the store to the call registry's Recorder like the package-level
// ForRegistry (an id the store holds already is call.ErrIDTaken), and does not lose a
// call row the store cannot write: it is held and written by the recorder before any
// event row it holds — a call's start before its timeline — and before a later row of the
// same call. The registry still gets the error (it logs it); Writable reports the outage
// until the rows are written. A start held through an outage cannot be checked for a
// reused id until it is written: if the store then says ErrExists it is dropped and
// logged (the call ran; its rows join the earlier call's id).
func (r *Recorder) ForRegistry() call.Recorder { return retryingRecorder{r} }

type retryingRecorder struct{ r *Recorder }

func (a retryingRecorder) CallStarted(ctx context.Context, rec call.Record) error {
	return a.r.callRow(ctx, FromCall(rec), false)
}

func (a retryingRecorder) CallEnded(ctx context.Context, rec call.Record) error {
	return a.r.callRow(ctx, FromCall(rec), true)
}

func (r *Recorder) callRow(ctx context.Context, c CallRecord, ended bool) error {
	op, what := opStarted, "start"
	if ended {
		op, what = opEnded, "end"
	}
	var err error
	if !r.hold.hasCalls() { // nothing of an earlier call waits: write now
		if ended {
			err = r.st.CallEnded(ctx, c)
		} else {
			err = r.st.CallStarted(ctx, c)
		}
		if err == nil {
			return nil
		}
		r.writeErrs[op].Add(1)
		if errors.Is(err, ErrExists) { // an earlier call's id: the registry refuses the call
			return fmt.Errorf("%w: %w", call.ErrIDTaken, err)
		}
		if !retryable(err) {
			return err
		}
	}
	r.mu.RLock()
	closed := r.closed
	r.mu.RUnlock()
	if closed {
		if err == nil {
			err = r.hold.lastErr()
		}
		return fmt.Errorf("store: call %s %s not written, recorder closed: %w", c.ID, what, err)
	}
	if !r.hold.add(heldCall{rec: c, ended: ended}, err) {
		r.failed.Add(1)
		return fmt.Errorf("store: call %s %s lost: %d call rows held already: %w", c.ID, what, r.cfg.MaxCalls, err)
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
	if err == nil {
		return fmt.Errorf("store: call %s %s held behind earlier rows: %w", c.ID, what, ErrUnwritable)
	}
	return fmt.Errorf("store: call %s %s held for retry: %w", c.ID, what, err)
}
