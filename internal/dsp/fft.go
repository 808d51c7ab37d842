package dsp

import (
	"fmt"
	"math"
	"math/bits"
	"sync"
)

// RealFFT is the plan of a discrete Fourier transform of n real samples, n a power of two
// (the fixed sizes of the hot path: 512 for the 25 ms spectrum at 16 kHz, 256 for the LPC
// envelope at 8 kHz). A plan holds only read-only tables, one per size per process
// (NewRealFFT caches them), so every stream shares them; the caller owns the output and
// scratch slices.
//
// The n real samples are packed into n/2 complex ones, z_j = x_{2j} + i·x_{2j+1}, whose
// iterative radix-2 decimation-in-time FFT Z_k (bit-reversed load, Cooley & Tukey 1965) is
// split into the spectrum of x (Brigham, "The Fast Fourier Transform", 1974, §10.10):
//
//	X_k = E_k + W^k·O_k,  E_k = (Z_k + Z*_{m−k})/2,  O_k = −i·(Z_k − Z*_{m−k})/2,  W = e^{−2πi/n}
//
// for k = 0..n/2, m = n/2, and X_{m−k} = (E_k − W^k·O_k)*. In float32: about 7·n·log2(n)
// flops, no allocation.
type RealFFT struct {
	n, m     int
	rev      []int32   // bit reversal of 0..m-1
	twr, twi []float32 // stage twiddles: e^{−2πi·j/(2h)} at index h+j, j < h, for h = 1, 2, 4, … m/2
	wr, wi   []float32 // split twiddles W^k, k = 0..m/2
}

var (
	fftMu    sync.Mutex
	fftPlans = map[int]*RealFFT{}
)

// NewRealFFT returns the shared plan for n real samples; n must be a power of two
// between 8 and 65536 (it panics otherwise: the sizes are constants of the caller).
// Safe for concurrent use; the plan is read-only.
func NewRealFFT(n int) *RealFFT {
	if n < 8 || n > 1<<16 || n&(n-1) != 0 {
		panic(fmt.Sprintf("dsp: real FFT of %d samples: not a power of two in [8, 65536]", n))
	}
	fftMu.Lock()
	defer fftMu.Unlock()
	if p := fftPlans[n]; p != nil {
		return p
	}
	m := n / 2
	p := &RealFFT{n: n, m: m,
		rev: make([]int32, m), twr: make([]float32, m), twi: make([]float32, m),
		wr: make([]float32, m/2+1), wi: make([]float32, m/2+1)}
	shift := 32 - bits.TrailingZeros(uint(m))
	for i := range p.rev {
		p.rev[i] = int32(bits.Reverse32(uint32(i)) >> shift)
	}
	for h := 1; h < m; h *= 2 {
		for j := 0; j < h; j++ {
			s, c := math.Sincos(-math.Pi * float64(j) / float64(h))
			p.twr[h+j], p.twi[h+j] = float32(c), float32(s)
		}
	}
	for k := range p.wr {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		p.wr[k], p.wi[k] = float32(c), float32(s)
	}
	fftPlans[n] = p
	return p
}

// Len is the transform size n.
func (p *RealFFT) Len() int { return p.n }

// Transform writes the spectrum X_k, k = 0..n/2, of x (at most n samples; the rest is zero)
// as real parts into re and imaginary parts into im (each at least n/2+1 long).
func (p *RealFFT) Transform(re, im, x []float32) {
	m := p.m
	re, im = re[:m+1], im[:m+1]
	if len(x) > p.n {
		x = x[:p.n]
	}
	// Bit-reversed load of z_j = x_{2j} + i·x_{2j+1}, zero-padded.
	rev := p.rev[:m]
	half := len(x) / 2
	for j, r := range rev {
		var a, b float32
		if j < half {
			a, b = x[2*j], x[2*j+1]
		} else if 2*j < len(x) {
			a = x[2*j]
		}
		re[r], im[r] = a, b
	}
	p.complexFFT(re[:m], im[:m])
	// Split the packed spectrum into X_0..X_m.
	z0r, z0i := re[0], im[0]
	re[0], im[0] = z0r+z0i, 0
	re[m], im[m] = z0r-z0i, 0
	wr, wi := p.wr[:m/2+1], p.wi[:m/2+1]
	for k := 1; k <= m/2; k++ {
		ar, ai := re[k], im[k]
		br, bi := re[m-k], -im[m-k] // Z*_{m−k}
		er, ei := 0.5*(ar+br), 0.5*(ai+bi)
		// O = −i·(A − B)/2 = ((ai−bi) − i·(ar−br))/2
		or, oi := 0.5*(ai-bi), -0.5*(ar-br)
		tr := wr[k]*or - wi[k]*oi
		ti := wr[k]*oi + wi[k]*or
		re[k], im[k] = er+tr, ei+ti
		re[m-k], im[m-k] = er-tr, -(ei - ti)
	}
}

// Power writes |X_k|², k = 0..n/2, of x into dst (at least n/2+1 long) using re and im
// (each at least n/2+1 long) as scratch.
func (p *RealFFT) Power(dst, re, im, x []float32) {
	p.Transform(re, im, x)
	m := p.m
	dst, re, im = dst[:m+1], re[:m+1], im[:m+1]
	for k := range dst {
		dst[k] = re[k]*re[k] + im[k]*im[k]
	}
}

// complexFFT transforms the bit-reversed sequence (re, im) of length m in place.
func (p *RealFFT) complexFFT(re, im []float32) {
	m := len(re)
	im = im[:m]
	// Stages 1 and 2 at once: radix-4 butterflies with trivial twiddles (1, −i).
	for s := 0; s+4 <= m; s += 4 {
		r, i := re[s:s+4:s+4], im[s:s+4:s+4]
		ar, ai := r[0]+r[1], i[0]+i[1]
		br, bi := r[0]-r[1], i[0]-i[1]
		cr, ci := r[2]+r[3], i[2]+i[3]
		dr, di := r[2]-r[3], i[2]-i[3]
		r[0], i[0] = ar+cr, ai+ci
		r[2], i[2] = ar-cr, ai-ci
		// (b) ± (−i)·d: −i·d = di − i·dr
		r[1], i[1] = br+di, bi-dr
		r[3], i[3] = br-di, bi+dr
	}
	for h := 4; h < m; h *= 2 {
		twr, twi := p.twr[h:2*h:2*h], p.twi[h:2*h:2*h]
		for s := 0; s < m; s += 2 * h {
			butterflies(re[s:s+h:s+h], im[s:s+h:s+h], re[s+h:s+2*h:s+2*h], im[s+h:s+2*h:s+2*h], twr, twi)
		}
	}
}

// butterfliesGo runs the radix-2 butterflies (u, v) ← (u + w·v, u − w·v) over one block,
// in split real/imaginary form (len(vr), len(vi), len(wr), len(wi) ≥ len(ur) = len(ui),
// a multiple of 4).
func butterfliesGo(ur, ui, vr, vi, wr, wi []float32) {
	n := len(ur)
	ui, vr, vi, wr, wi = ui[:n], vr[:n], vi[:n], wr[:n], wi[:n]
	for j := range ur {
		xr, xi := vr[j], vi[j]
		tr := wr[j]*xr - wi[j]*xi
		ti := wr[j]*xi + wi[j]*xr
		ar, ai := ur[j], ui[j]
		ur[j], ui[j] = ar+tr, ai+ti
		vr[j], vi[j] = ar-tr, ai-ti
	}
}
