package auth

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are per-token request and concurrency limits. Zero fields do not limit.
type Limits struct {
	Rate       float64 // sustained requests per second per token
	Burst      int     // requests a token may make at once (default: Rate, at least 1)
	Concurrent int     // long-lived requests (websockets) open at once per token
	Now        func() time.Time
}

// Limiter applies Limits per principal, keyed by Principal.Key (the token behind the
// request, whichever credential — the token, a session cookie — presents it; never the
// token itself). Entries idle for 10 minutes with nothing open are swept.
type Limiter struct {
	l Limits

	mu    sync.Mutex
	by    map[string]*limitEntry
	swept time.Time
}

type limitEntry struct {
	rl   *rate.Limiter
	open int
	last time.Time
}

const limitIdle = 10 * time.Minute

// NewLimiter returns a limiter; nil Limits fields mean unlimited.
func NewLimiter(l Limits) *Limiter {
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Rate > 0 && l.Burst <= 0 {
		l.Burst = max(1, int(l.Rate))
	}
	return &Limiter{l: l, by: map[string]*limitEntry{}}
}

func (l *Limiter) entry(key string, now time.Time) *limitEntry {
	if now.Sub(l.swept) > time.Minute {
		for k, e := range l.by {
			if e.open == 0 && now.Sub(e.last) > limitIdle {
				delete(l.by, k)
			}
		}
		l.swept = now
	}
	e := l.by[key]
	if e == nil {
		e = &limitEntry{}
		if l.l.Rate > 0 {
			e.rl = rate.NewLimiter(rate.Limit(l.l.Rate), l.l.Burst)
		}
		l.by[key] = e
	}
	e.last = now
	return e
}

// Allow takes one request from the principal's bucket; when it is empty it returns false
// and how long until a request would be allowed.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.l.Rate <= 0 {
		return true, 0
	}
	now := l.l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key, now)
	r := e.rl.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Acquire opens one long-lived request for the token; release must be called when it
// ends. It returns ok=false when the token already has Concurrent open.
func (l *Limiter) Acquire(key string) (release func(), ok bool) {
	if l == nil || l.l.Concurrent <= 0 {
		return func() {}, true
	}
	now := l.l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key, now)
	if e.open >= l.l.Concurrent {
		return nil, false
	}
	e.open++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			e.open--
			e.last = l.l.Now()
			l.mu.Unlock()
		})
	}, true
}

// Limits returns the configured limits.
func (l *Limiter) Limits() Limits {
	if l == nil {
		return Limits{}
	}
	return l.l
}

// ErrTooManyCalls is returned when a token already has as many calls open as it may.
var ErrTooManyCalls = errors.New("too many concurrent calls for this token")

// CallLimiter bounds the calls each integrator token has open at once, so one integrator
// (a misconfigured dialer, a leaked token) cannot take a node's whole capacity. Tokens are
// keyed by Principal.Key (the token, whichever credential presents it); the bound is Principal.MaxCalls, else the default. Ingest
// endpoints use it in two steps — Reserve before opening the call, Hold once its id is
// known — so concurrent offers cannot both take the last slot. Admins are not limited.
type CallLimiter struct {
	def int

	mu sync.Mutex
	by map[string]*tokenCalls
}

type tokenCalls struct {
	pending int
	calls   map[string]bool
}

// NewCallLimiter limits every integrator token to def calls (0 = unlimited unless the
// token carries its own MaxCalls).
func NewCallLimiter(def int) *CallLimiter {
	return &CallLimiter{def: def, by: map[string]*tokenCalls{}}
}

// Slot is a reserved place for one call; Hold or Cancel it.
type Slot struct {
	l    *CallLimiter
	key  string
	once sync.Once
}

func (l *CallLimiter) max(p Principal) int {
	if p.Role != Integrator {
		return 0
	}
	if p.MaxCalls > 0 {
		return p.MaxCalls
	}
	return l.def
}

// Reserve takes a slot for a call p is about to open or join (callID "" = a new call).
// Joining a call the token already holds costs nothing. Over the bound it returns
// ErrTooManyCalls. A nil limiter never refuses.
func (l *CallLimiter) Reserve(p Principal, callID string) (*Slot, error) {
	if l == nil {
		return &Slot{}, nil
	}
	n := l.max(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	key := p.Key()
	tc := l.by[key]
	if tc == nil {
		tc = &tokenCalls{calls: map[string]bool{}}
		l.by[key] = tc
	}
	if n > 0 && !(callID != "" && tc.calls[callID]) && tc.pending+len(tc.calls) >= n {
		return nil, fmt.Errorf("auth: %s has %d calls open (limit %d): %w", p.Name, len(tc.calls), n, ErrTooManyCalls)
	}
	tc.pending++
	return &Slot{l: l, key: key}, nil
}

// Hold turns the reservation into the open call callID. It returns the function to call
// when the call ends, or nil when the token already held callID (the first holder
// releases it).
func (s *Slot) Hold(callID string) (release func()) {
	if s.l == nil {
		return nil
	}
	s.once.Do(func() {
		l := s.l
		l.mu.Lock()
		defer l.mu.Unlock()
		tc := l.by[s.key]
		tc.pending--
		if tc.calls[callID] {
			return
		}
		tc.calls[callID] = true
		release = sync.OnceFunc(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			delete(tc.calls, callID)
			if tc.pending+len(tc.calls) == 0 && l.by[s.key] == tc {
				delete(l.by, s.key)
			}
		})
	})
	return release
}

// Cancel gives the reservation back (the call was not opened). Safe after Hold.
func (s *Slot) Cancel() {
	if s.l == nil {
		return
	}
	s.once.Do(func() {
		s.l.mu.Lock()
		defer s.l.mu.Unlock()
		tc := s.l.by[s.key]
		tc.pending--
		if tc.pending+len(tc.calls) == 0 {
			delete(s.l.by, s.key)
		}
	})
}

// Open reports how many calls p's token holds now.
func (l *CallLimiter) Open(p Principal) int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if tc := l.by[p.Key()]; tc != nil {
		return len(tc.calls)
	}
	return 0
}
