package dsp

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// dft is the textbook O(n²) transform in float64, the reference.
func dft(x []float32, n int) []complex128 {
	out := make([]complex128, n/2+1)
	for k := range out {
		var s complex128
		for j, v := range x {
			s += complex(float64(v), 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*j)/float64(n)))
		}
		out[k] = s
	}
	return out
}

func TestRealFFTMatchesDFT(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 16, 64, 256, 512} {
		for _, l := range []int{n, n - 1, n / 2, 3, 0} { // zero padding, odd lengths
			x := make([]float32, l)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			p := NewRealFFT(n)
			re, im := make([]float32, n/2+1), make([]float32, n/2+1)
			p.Transform(re, im, x)
			want := dft(x, n)
			var scale float64 = 1
			for _, v := range want {
				scale = math.Max(scale, cmplx.Abs(v))
			}
			for k, w := range want {
				if d := cmplx.Abs(complex(float64(re[k]), float64(im[k])) - w); d > 2e-6*scale*math.Log2(float64(n)) {
					t.Fatalf("n %d len %d: X[%d] = %v%+vi, want %v (|Δ| %.3g)", n, l, k, re[k], im[k], w, d)
				}
			}
			pow := make([]float32, n/2+1)
			p.Power(pow, re, im, x)
			for k, w := range want {
				a := real(w)*real(w) + imag(w)*imag(w)
				if d := math.Abs(float64(pow[k]) - a); d > 1e-5*scale*scale {
					t.Fatalf("n %d: |X[%d]|² %v, want %v", n, k, pow[k], a)
				}
			}
		}
	}
}

// One plan per size, shared.
func TestRealFFTPlanShared(t *testing.T) {
	if NewRealFFT(512) != NewRealFFT(512) {
		t.Fatal("two plans for one size")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("size 500 accepted")
		}
	}()
	NewRealFFT(500)
}

func BenchmarkRealFFT512Power(b *testing.B) {
	p := NewRealFFT(512)
	x := make([]float32, 400)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.3))
	}
	re, im, pow := make([]float32, 257), make([]float32, 257), make([]float32, 257)
	b.ReportAllocs()
	for b.Loop() {
		p.Power(pow, re, im, x)
	}
}
