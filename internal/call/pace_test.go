package call

import (
	"context"
	"testing"
	"time"
)

// A sender pushing 10 s of audio at once is held back by about 10 s minus the burst, in
// waits the pacer asks for; a real-time sender, or one catching up after a stall within
// the burst, is never held.
func TestPacerHoldsSendersToRealTime(t *testing.T) {
	now := time.Unix(0, 0)
	var waited time.Duration
	p := newPacer(time.Second, func() time.Time { return now }, func(_ context.Context, d time.Duration) bool {
		waited += d
		now = now.Add(d)
		return true
	})
	ctx := context.Background()
	for range 500 { // 500 × 20 ms = 10 s, sent with no time passing
		if !p.take(ctx, 20*time.Millisecond) {
			t.Fatal("take failed")
		}
	}
	if want := 9 * time.Second; waited < want-20*time.Millisecond || waited > want+20*time.Millisecond {
		t.Errorf("flood held back %s, want ≈ %s", waited, want)
	}

	waited = 0
	for range 500 { // real time: 20 ms of audio every 20 ms
		now = now.Add(20 * time.Millisecond)
		p.take(ctx, 20*time.Millisecond)
	}
	now = now.Add(800 * time.Millisecond) // a stall, then the jitter buffer empties at once
	for range 40 {
		p.take(ctx, 20*time.Millisecond)
	}
	if waited != 0 {
		t.Errorf("a real-time sender was held back %s", waited)
	}
	// Credit does not pile up over silence: after a minute without audio the burst is
	// still one second.
	now = now.Add(time.Minute)
	for range 100 {
		p.take(ctx, 20*time.Millisecond)
	}
	if waited < 900*time.Millisecond {
		t.Errorf("2 s at once after a minute of silence held back only %s", waited)
	}
}

// A call that ends while its sender is held back stops waiting at once.
func TestPacerStopsWithTheCall(t *testing.T) {
	p := newPacer(time.Second, time.Now, sleepCtx)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.take(ctx, time.Second)
	if p.take(ctx, time.Hour) {
		t.Fatal("held sender of an ended call did not stop")
	}
}
