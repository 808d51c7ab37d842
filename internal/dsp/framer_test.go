package dsp

import (
	"slices"
	"testing"
)

func TestFramerAndWindow(t *testing.T) {
	src := make([]float32, 3000)
	for i := range src {
		src[i] = float32(i)
	}
	for _, chunk := range []int{1, 7, 160, 320, 999} {
		f := NewFramer(160)
		w := NewWindow(640)
		var hops int
		for s := src; len(s) > 0; {
			n := min(chunk, len(s))
			f.Append(s[:n])
			s = s[n:]
			for hop, ok := f.Next(); ok; hop, ok = f.Next() {
				if !slices.Equal(hop, src[hops*160:(hops+1)*160]) {
					t.Fatalf("chunk %d: hop %d wrong", chunk, hops)
				}
				hops++
				w.Push(hop)
				end := hops * 160
				got := w.Samples()
				want := make([]float32, 640)
				copy(want[max(0, 640-end):], src[max(0, end-640):end])
				if !slices.Equal(got, want) {
					t.Fatalf("chunk %d: window after hop %d wrong", chunk, hops)
				}
			}
		}
		if hops != 3000/160 || f.Pending() != 3000%160 {
			t.Errorf("chunk %d: %d hops, %d pending", chunk, hops, f.Pending())
		}
	}
	w := NewWindow(4)
	w.Push([]float32{1, 2, 3, 4, 5, 6})
	if !slices.Equal(w.Samples(), []float32{3, 4, 5, 6}) {
		t.Errorf("long push: %v", w.Samples())
	}
	f := NewFramer(160)
	chunk := make([]float32, 320)
	f.Append(chunk)
	if n := testing.AllocsPerRun(100, func() {
		f.Append(chunk)
		for _, ok := f.Next(); ok; _, ok = f.Next() {
		}
	}); n != 0 {
		t.Errorf("Framer allocates %.0f", n)
	}
}
