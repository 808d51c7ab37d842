package hints

import (
	"sync"
	"time"

	"github.com/undertone/undertone/internal/call"
)

// ledger remembers, per call this node's engine has seen, which hints it raised (id →
// rule) and the call's emitter, so that feedback can be checked against the hints the
// agent was really shown and emitted on the call's stream. A call's entry is kept for
// the feedback window after the call ends, because agents rate hints during wrap-up.
// It is the only state the engine shares between goroutines (the joiner writes, HTTP
// handlers read), hence the mutex.
type ledger struct {
	mu     sync.Mutex
	calls  map[string]*callHints
	window time.Duration
	now    func() time.Time
}

type callHints struct {
	emit    call.Emitter
	rules   map[string]string // hint id → rule key
	ratings map[string]int    // hint id → feedback accepted so far
	opened  time.Time
	ended   time.Time // zero while the call is live
}

// maxLive bounds an entry whose Close never came (a call analyzer that panicked is
// dropped without Close): no call lasts this long.
const maxLive = 24 * time.Hour

// maxHintsPerCall bounds one call's entry (the engine's guards keep real calls far below).
const maxHintsPerCall = 1000

func newLedger(window time.Duration, now func() time.Time) *ledger {
	return &ledger{calls: map[string]*callHints{}, window: window, now: now}
}

// open registers a call's emitter the first time its analyzer sees an event.
func (l *ledger) open(id string, emit call.Emitter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked()
	if l.calls[id] == nil {
		l.calls[id] = &callHints{emit: emit, rules: map[string]string{}, ratings: map[string]int{}, opened: l.now()}
	}
}

func (l *ledger) raised(id, hint, rule string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.calls[id]; c != nil && len(c.rules) < maxHintsPerCall {
		c.rules[hint] = rule
	}
}

func (l *ledger) ended(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.calls[id]; c != nil {
		c.ended = l.now()
	}
	l.sweepLocked()
}

// sweepLocked forgets calls whose feedback window has passed.
func (l *ledger) sweepLocked() {
	now := l.now()
	cut := now.Add(-l.window)
	for id, c := range l.calls {
		if !c.ended.IsZero() && c.ended.Before(cut) || c.opened.Before(now.Add(-maxLive)) {
			delete(l.calls, id)
		}
	}
}

// lookupResult says what the ledger knows of a call's hint.
type lookupResult int

const (
	hintFound   lookupResult = iota
	hintUnknown              // the call is known here, the hint is not one of its hints
	callUnknown              // this node's engine has no entry: never saw the call, or its window passed
)

// rate finds hint on call id and, when found and under max ratings, counts one rating and
// returns the rule and the emitter to send the feedback with.
func (l *ledger) rate(id, hint string, max int) (rule string, emit call.Emitter, res lookupResult, full bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked()
	c := l.calls[id]
	if c == nil {
		return "", nil, callUnknown, false
	}
	rule, ok := c.rules[hint]
	if !ok {
		return "", nil, hintUnknown, false
	}
	if c.ratings[hint] >= max {
		return rule, nil, hintFound, true
	}
	c.ratings[hint]++
	return rule, c.emit, hintFound, false
}

// size is the number of calls held (tests check entries are freed).
func (l *ledger) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}
