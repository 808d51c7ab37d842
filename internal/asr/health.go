package asr

import (
	"sync"
	"time"
)

// Health states of a recogniser that can fail at run time (an external one).
const (
	HealthOK   = "ok"
	HealthSlow = "slow" // answers, later than HealthParams.SlowAfter on average
	HealthDown = "down" // failing: utterances are dropped at once until a probe succeeds
)

// Health is what a recogniser says of its ability to transcribe a language now.
type Health struct {
	State  string // HealthOK, HealthSlow or HealthDown
	Detail string // why, for logs and the status message: the last error, the latency
}

// HealthReporter is implemented by engines whose availability changes at run time. The
// transcript.status stage polls it and emits a new status when the state changes.
type HealthReporter interface {
	Health(lang string) Health
}

// healthParams tune a tracker. See OpenAIConfig for the defaults.
type healthParams struct {
	slowAfter  time.Duration // mean latency that makes an endpoint slow
	downAfter  int           // consecutive failed requests that make it down
	probeFirst time.Duration // first wait before a down endpoint is probed; doubles to probeMax
	probeMax   time.Duration
}

// tracker is one endpoint's health: a circuit breaker with probes and a latency average.
//
// Closed (ok or slow): every request goes. downAfter consecutive failures open it (down):
// requests are refused at once (admit false) until the probe wait has passed, then one
// request is let through as a probe; its success closes the breaker (recovered), its
// failure doubles the wait. A server's Retry-After pauses admission the same way without
// counting as down. Slow is the exponentially weighted mean latency of successful requests
// (α = 0.3) above slowAfter; it clears below 0.7·slowAfter (hysteresis, so the state does
// not flap around the threshold).
type tracker struct {
	p healthParams

	mu       sync.Mutex
	state    string
	fails    int
	ewma     time.Duration
	openTill time.Time // no request before this (down: next probe; paused: Retry-After)
	wait     time.Duration
	probing  bool
	detail   string
}

func newTracker(p healthParams) *tracker { return &tracker{p: p, state: HealthOK} }

// admit reports whether a request may go now, and whether it is a probe of a down
// endpoint (whose outcome must be reported with probe=true).
func (h *tracker) admit(now time.Time) (ok, probe bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Before(h.openTill) {
		return false, false
	}
	if h.state != HealthDown {
		return true, false
	}
	if h.probing {
		return false, false
	}
	h.probing = true
	return true, true
}

// success records a request answered after latency.
func (h *tracker) success(latency time.Duration, probe bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if probe {
		h.probing = false
	}
	h.fails, h.wait = 0, 0
	if h.ewma == 0 {
		h.ewma = latency
	} else {
		h.ewma += (latency - h.ewma) * 3 / 10
	}
	switch {
	case h.ewma > h.p.slowAfter:
		h.state = HealthSlow
		h.detail = "answers in " + h.ewma.Round(100*time.Millisecond).String() + " on average"
	case h.state != HealthSlow || h.ewma < h.p.slowAfter*7/10:
		h.state, h.detail = HealthOK, ""
	}
}

// failure records a failed request (after its retries).
func (h *tracker) failure(now time.Time, why string, probe bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if probe {
		h.probing = false
	}
	h.fails++
	h.detail = why
	switch {
	case h.state == HealthDown && !probe:
		return // a request admitted before the breaker opened: only probes move the wait
	case h.state != HealthDown && h.fails < h.p.downAfter:
		return
	}
	h.state = HealthDown
	h.ewma = 0
	h.wait = min(max(2*h.wait, h.p.probeFirst), h.p.probeMax)
	h.openTill = later(h.openTill, now.Add(h.wait))
}

// abandon gives back a probe whose request was cancelled before it had an outcome.
func (h *tracker) abandon(probe bool) {
	if probe {
		h.mu.Lock()
		h.probing = false
		h.mu.Unlock()
	}
}

// pause refuses requests until now+d (a server's Retry-After).
func (h *tracker) pause(now time.Time, d time.Duration) {
	h.mu.Lock()
	h.openTill = later(h.openTill, now.Add(d))
	h.mu.Unlock()
}

func (h *tracker) health() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Health{State: h.state, Detail: h.detail}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
