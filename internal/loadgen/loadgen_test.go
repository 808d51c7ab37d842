package loadgen

import "testing"

func TestToneBurstOnsets(t *testing.T) {
	ch := ToneBursts(10, 2)
	for p, want := range []int{6, 6} {
		on := Onsets(ch[p])
		if len(on) != want {
			t.Fatalf("party %d: %d onsets %v, want %d", p, len(on), on, want)
		}
		if on[0] != 50+int(37.5*float64(p)) {
			t.Errorf("party %d: first onset at frame %d", p, on[0])
		}
	}
}
