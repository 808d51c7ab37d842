package asr

import (
	"testing"
	"time"
)

// The breaker's waits: opened after downAfter failures, one probe at a time, doubled by a
// failed probe up to the maximum, untouched by requests that were already in flight when
// it opened, reset by a success; a Retry-After pause refuses without marking it down.
func TestTracker(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h := newTracker(healthParams{slowAfter: time.Second, downAfter: 3, probeFirst: time.Second, probeMax: 4 * time.Second})
	for range 3 {
		if ok, probe := h.admit(now); !ok || probe {
			t.Fatal("closed breaker refused or probed")
		}
	}
	for i := range 3 {
		h.failure(now, "refused", false)
		if want := map[bool]string{true: HealthDown, false: HealthOK}[i == 2]; h.health().State != want {
			t.Fatalf("after %d failures: %s", i+1, h.health().State)
		}
	}
	for range 5 { // in flight when it opened: they must not push the probe back
		h.failure(now, "refused", false)
	}
	if ok, _ := h.admit(now.Add(999 * time.Millisecond)); ok {
		t.Error("admitted before the probe wait")
	}
	now = now.Add(time.Second)
	ok, probe := h.admit(now)
	if !ok || !probe {
		t.Fatalf("no probe after the wait: %v %v", ok, probe)
	}
	if ok, _ := h.admit(now); ok {
		t.Error("a second probe while one is out")
	}
	for _, wait := range []time.Duration{2 * time.Second, 4 * time.Second, 4 * time.Second} { // doubled, capped
		h.failure(now, "refused", true)
		if ok, _ := h.admit(now.Add(wait - time.Millisecond)); ok {
			t.Fatalf("probe before %s", wait)
		}
		now = now.Add(wait)
		if ok, probe := h.admit(now); !ok || !probe {
			t.Fatalf("no probe after %s", wait)
		}
	}
	h.success(100*time.Millisecond, true)
	if s := h.health().State; s != HealthOK {
		t.Fatalf("after a good probe: %s", s)
	}
	h.pause(now, 10*time.Second)
	if ok, _ := h.admit(now.Add(9 * time.Second)); ok || h.health().State != HealthOK {
		t.Error("paused: want refused but not down")
	}
	if ok, probe := h.admit(now.Add(10 * time.Second)); !ok || probe {
		t.Error("pause over: want a plain request")
	}
	// Slow above slowAfter on average, ok again below 0.7 of it.
	for range 5 {
		h.success(2*time.Second, false)
	}
	if s := h.health().State; s != HealthSlow {
		t.Fatalf("2 s answers: %s", s)
	}
	h.success(900*time.Millisecond, false)
	if s := h.health().State; s != HealthSlow {
		t.Errorf("one 0.9 s answer cleared slow (hysteresis): %s", s)
	}
	for range 10 {
		h.success(100*time.Millisecond, false)
	}
	if s := h.health().State; s != HealthOK {
		t.Errorf("fast answers: %s", s)
	}
}
