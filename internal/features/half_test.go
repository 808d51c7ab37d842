package features

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestHalfRoundTrip(t *testing.T) {
	// Every binary16 survives a round trip through float32.
	for h := 0; h < 1<<16; h++ {
		f := fromHalf(uint16(h))
		if math.IsNaN(float64(f)) {
			if g := toHalf(f); g&0x7c00 != 0x7c00 || g&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back %#04x", h, g)
			}
			continue
		}
		if g := toHalf(f); g != uint16(h) {
			t.Fatalf("%#04x → %g → %#04x", h, f, g)
		}
	}
	// Rounding error within half an ulp (2⁻¹¹ relative) over the normal range (≥ 6.1e-5).
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		f := float32(math.Exp(r.Float64()*19-9.6)) * float32(1-2*r.IntN(2))
		g := fromHalf(toHalf(f))
		if rel := math.Abs(float64(g-f)) / math.Abs(float64(f)); rel > 1.0/2048 {
			t.Fatalf("%g → %g: relative error %.3g", f, g, rel)
		}
	}
	for _, c := range []struct{ in, want float32 }{{1e6, float32(math.Inf(1))}, {-1e6, float32(math.Inf(-1))}, {1e-9, 0}, {65504, 65504}} {
		if g := fromHalf(toHalf(c.in)); g != c.want {
			t.Errorf("%g → %g, want %g", c.in, g, c.want)
		}
	}
}
