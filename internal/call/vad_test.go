package call

import (
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// The VAD on real speech, through the whole stream: every onset of the fixture's three
// phrases (the first 0.26 s into the call) opens speech within 80 ms of media time, and
// each pause between them closes it, on lines from studio-quiet to noisy — the floor is
// learnt in the first few hundred ms, not after seconds with the pauses held open. On
// the noisiest line (−40 dBFS, 12 dB under the quiet third phrase) 150 ms is allowed.
func TestVADOnSpeechFixture(t *testing.T) {
	x := speechFixture(t)
	want := onsets(x)
	if len(want) != 3 {
		t.Fatalf("fixture onsets %v", want)
	}
	for _, db := range []float64{-75, -60, -50, -45, -40} {
		hops, evs := runStream(t, "PCMU", pcmuPackets(withNoise(x, db, 7)))
		var starts, stops []time.Duration
		prev := false
		for _, ev := range evs {
			if ev.Type != event.VAD {
				continue
			}
			sp := ev.Data.(map[string]any)["speech"] == true
			at := time.Duration(ev.T * float64(time.Second)).Round(time.Millisecond)
			if sp && !prev {
				starts = append(starts, at)
			}
			if !sp && prev {
				stops = append(stops, at)
			}
			prev = sp
		}
		if len(starts) != len(want) || len(stops) != len(want) {
			t.Errorf("noise %.0f dBFS: speech starts %v stops %v, want one each per onset %v", db, starts, stops, want)
			continue
		}
		for i, on := range want {
			limit := 80 * time.Millisecond
			if db >= -40 {
				limit = 150 * time.Millisecond
			}
			if d := starts[i] - on; d < -20*time.Millisecond || d > limit {
				t.Errorf("noise %.0f dBFS: onset %v opened at %v (%+v)", db, on, starts[i], d)
			}
			if i+1 < len(want) && stops[i] > want[i+1] {
				t.Errorf("noise %.0f dBFS: pause before %v not closed (speech ended %v)", db, want[i+1], stops[i])
			}
		}
		var lat []time.Duration
		for i, on := range want {
			lat = append(lat, starts[i]-on)
		}
		t.Logf("noise %.0f dBFS: onsets opened after %v (%d hops)", db, lat, len(hops))
	}
}
