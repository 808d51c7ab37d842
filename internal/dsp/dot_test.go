package dsp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The kernels the hot path runs give exactly what the portable Go gives, for every
// length (remainders included) and alignment.
func TestDotKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 600)
	y := make([]float32, 600)
	for i := range x {
		x[i] = float32(r.NormFloat64())
		y[i] = float32(r.NormFloat64() * 1e-3)
	}
	for n := 0; n <= 300; n++ {
		for off := range 5 {
			a, b := x[off:off+n], y[3*off:3*off+n+7]
			if got, want := dot8(a, b), dot8Go(a, b); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("dot8 n=%d off=%d: %v, Go %v", n, off, got, want)
			}
			if got, want := dot(a, b), dotGo(a, b); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("dot n=%d off=%d: %v, Go %v", n, off, got, want)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a shorter b was read past its capacity")
		}
	}()
	dot8(x[:10], y[:9:9])
}

func BenchmarkDot8(b *testing.B) {
	x, y := make([]float32, 80), make([]float32, 230)
	for b.Loop() {
		for tau := range 147 {
			dot8(x, y[tau:tau+80])
		}
	}
}

func TestButterfliesMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	mk := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		return x
	}
	for _, n := range []int{4, 8, 64, 128, 6} {
		ur, ui, vr, vi, wr, wi := mk(n), mk(n), mk(n), mk(n), mk(n), mk(n)
		gr, gi, hr, hi := append([]float32(nil), ur...), append([]float32(nil), ui...), append([]float32(nil), vr...), append([]float32(nil), vi...)
		butterflies(ur, ui, vr, vi, wr, wi)
		butterfliesGo(gr, gi, hr, hi, wr, wi)
		for j := range n {
			if math.Float32bits(ur[j]) != math.Float32bits(gr[j]) || math.Float32bits(ui[j]) != math.Float32bits(gi[j]) ||
				math.Float32bits(vr[j]) != math.Float32bits(hr[j]) || math.Float32bits(vi[j]) != math.Float32bits(hi[j]) {
				t.Fatalf("n=%d j=%d: kernel and Go differ", n, j)
			}
		}
	}
}
