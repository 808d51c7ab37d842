package call

import (
	"context"
	"time"
)

// DefaultBurst is how far ahead of real time a party's audio may run before its ingest
// loop is held back: enough for a jitter buffer emptying after a network stall.
const DefaultBurst = time.Second

// pacer holds one party's audio to real time: a token bucket of media time that fills at
// one second per wall-clock second up to the burst, and that each decoded chunk drains.
// When a sender runs ahead (an AudioSocket peer pushing a recording 134× faster than it
// plays), the ingest goroutine sleeps until the audio is due, so the flood costs the
// sender its TCP window (or, for RTP, the socket buffer) instead of the node a core, and
// every wall-clock-based cap (cue rates, emotion rows) keeps meaning per second.
type pacer struct {
	burst  time.Duration
	tokens time.Duration // media time that may arrive now
	last   time.Time
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) bool
	held   time.Duration // total time the sender was held back
	onHeld func(time.Duration)
}

func newPacer(burst time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) bool) pacer {
	return pacer{burst: burst, tokens: burst, now: now, sleep: sleep}
}

// take accounts for d of media and waits, if the sender is ahead of real time by more
// than the burst, until it no longer is. It returns false if ctx ended while waiting.
func (p *pacer) take(ctx context.Context, d time.Duration) bool {
	t := p.now()
	if !p.last.IsZero() {
		p.tokens = min(p.burst, p.tokens+t.Sub(p.last))
	}
	p.last = t
	p.tokens -= d
	if p.tokens >= 0 {
		return true
	}
	wait := -p.tokens
	p.held += wait
	if p.onHeld != nil {
		p.onHeld(wait)
	}
	if !p.sleep(ctx, wait) {
		return false
	}
	p.tokens, p.last = 0, p.now()
	return true
}

// sleepCtx sleeps for d or until ctx ends; it reports whether the full time passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
