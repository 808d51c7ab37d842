package loadgen

import (
	"testing"
	"time"
)

// The probe counts only changes to speech as starts (the stream repeats its state every
// second), pairs each onset with the first start from earlySlack before it, reports
// onsets without one as missed rather than pairing them with a later start, and onsets
// sent while speech was still on as continued.
func TestProbeLatencies(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	pr := newProbe([][]int{{0, 150, 300, 450, 600}})
	copy(pr.sent[0], []time.Time{at(0), at(3000), at(6000), at(9000), at(10000)})
	pr.vad(0, true, at(60))    // onset 0: 60 ms
	pr.vad(0, true, at(1060))  // keepalive: not a start
	pr.vad(0, false, at(2000)) //
	pr.vad(0, true, at(2900))  // onset 1: opened 100 ms before the onset frame went out
	pr.vad(0, false, at(4000)) // onset 2 (6 s) never opened
	pr.vad(0, true, at(8500))  // 500 ms before onset 3: too early to be its start
	pr.vad(0, false, at(8700))
	pr.vad(0, true, at(9040))   // onset 3: 40 ms, and speech stays on past onset 4
	pr.vad(0, false, at(10500)) // onset 4 (10 s) continued the phrase
	lat, early, continued, missed := pr.latencies()
	want := []time.Duration{60 * time.Millisecond, 0, 40 * time.Millisecond}
	if len(lat) != len(want) || early != 1 || missed != 1 || continued != 1 {
		t.Fatalf("latencies %v early %d continued %d missed %d", lat, early, continued, missed)
	}
	for i := range want {
		if lat[i] != want[i] {
			t.Errorf("onset latency %d = %v, want %v", i, lat[i], want[i])
		}
	}
}
