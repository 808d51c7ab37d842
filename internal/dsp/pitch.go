package dsp

import "math"

// DefaultYINThreshold is the absolute threshold on the cumulative mean
// normalised difference used by NewPitch (de Cheveigné & Kawahara suggest
// 0.1–0.15; 0.15 keeps slightly breathy voices voiced).
const DefaultYINThreshold = 0.15

// Pitch estimates the fundamental frequency of one analysis window with YIN
// (A. de Cheveigné and H. Kawahara, "YIN, a fundamental frequency estimator
// for speech and music", JASA 111(4), 2002):
//
//	step 2  d(τ)  = Σ_{j=0}^{W−1} (x[j] − x[j+τ])²            difference function
//	step 3  d'(τ) = d(τ) / ((1/τ) Σ_{j=1}^{τ} d(j)),  d'(0)=1  cumulative mean normalised
//	step 4  the smallest τ in [τmin, τmax] with d'(τ) < threshold, then
//	        followed down to its local minimum (else: unvoiced)
//	step 5  parabolic interpolation of d' around that minimum
//
// with W = len(x) − τmax (the integration window shrinks so every lag sees
// the same W samples), τmin = ⌊rate/maxHz⌋, τmax = ⌈rate/minHz⌉. The cost is
// O(W·τmax) multiply-adds per call (≈ 0.1 M for 640 samples at 16 kHz,
// 60–500 Hz); no allocation after NewPitch.
type Pitch struct {
	// Threshold is the absolute threshold on d'(τ) (DefaultYINThreshold).
	Threshold float64
	// MinEnergy is the mean square below which a window is unvoiced
	// (default 1e-8 ≈ −80 dBFS).
	MinEnergy float64

	rate   float64
	tauMin int
	tauMax int
	window int
	d      []float64 // d(τ), τ = 0..tauMax+1
	dn     []float64 // d'(τ)
}

// NewPitch prepares a YIN estimator for sampleRate Hz, fundamental between
// minHz and maxHz, and analysis windows of window samples (typical: 16000,
// 60, 500, 640 = 40 ms). window must exceed rate/minHz; it is raised to
// 2·τmax if smaller so at least one full period fits the integration window.
func NewPitch(sampleRate, minHz, maxHz float64, window int) *Pitch {
	tauMin := max(int(math.Floor(sampleRate/maxHz)), 2)
	tauMax := int(math.Ceil(sampleRate / minHz))
	if window < 2*tauMax {
		window = 2 * tauMax
	}
	return &Pitch{
		rate:      sampleRate,
		tauMin:    tauMin,
		tauMax:    tauMax,
		window:    window,
		Threshold: DefaultYINThreshold,
		MinEnergy: 1e-8,
		d:         make([]float64, tauMax+2),
		dn:        make([]float64, tauMax+2),
	}
}

// Window is the number of samples Estimate expects.
func (p *Pitch) Window() int { return p.window }

// Estimate returns the fundamental frequency hz of x, a confidence
// conf = 1 − d'(τ̂) in [0, 1], and whether the window is voiced (a dip of d'
// below Threshold was found). For unvoiced windows hz is the best candidate
// (global minimum of d') or 0 for silence. x should hold Window() samples;
// a longer x is cut to its last Window() samples, a shorter one (less than
// τmax + one period) is unvoiced.
func (p *Pitch) Estimate(x []float32) (hz, conf float64, voiced bool) {
	if len(x) > p.window {
		x = x[len(x)-p.window:]
	}
	w := len(x) - p.tauMax - 1 // integration window; +1 for interpolation at τmax+1
	if w < p.tauMax/2 || w < 8 {
		return 0, 0, false
	}
	var energy float64
	for _, v := range x[:w] {
		energy += float64(v) * float64(v)
	}
	if energy/float64(w) < p.MinEnergy {
		return 0, 0, false
	}

	d, dn := p.d, p.dn
	top := p.tauMax + 1
	// Autocorrelation form d(τ) = e₀ + e_τ − 2·r(τ) (paper, eq. 7): e_τ
	// slides in O(1), r(τ) is one multiply-add per sample.
	var e0 float64
	for _, v := range x[:w] {
		e0 += float64(v) * float64(v)
	}
	et := e0
	for tau := 1; tau <= top; tau++ {
		a, b := float64(x[tau-1]), float64(x[tau+w-1])
		et += b*b - a*a
		d[tau] = max(e0+et-2*dot8(x[:w], x[tau:tau+w]), 0)
	}
	dn[0] = 1
	var cum float64
	for tau := 1; tau <= top; tau++ {
		cum += d[tau]
		if cum <= 0 {
			dn[tau] = 1
			continue
		}
		dn[tau] = d[tau] * float64(tau) / cum
	}

	best := -1
	for tau := p.tauMin; tau <= p.tauMax; tau++ {
		if dn[tau] < p.Threshold {
			for tau+1 <= p.tauMax && dn[tau+1] < dn[tau] {
				tau++
			}
			best = tau
			voiced = true
			break
		}
	}
	if best < 0 { // no dip under the threshold: report the global minimum
		best = p.tauMin
		for tau := p.tauMin + 1; tau <= p.tauMax; tau++ {
			if dn[tau] < dn[best] {
				best = tau
			}
		}
	}
	refined, minVal := parabolicMin(dn[best-1], dn[best], dn[best+1])
	conf = min(max(1-minVal, 0), 1)
	hz = p.rate / (float64(best) + refined)
	return hz, conf, voiced
}

// parabolicMin fits a parabola through (−1,a) (0,b) (1,c) and returns the
// abscissa of its vertex (clamped to ±1/2) and its value.
func parabolicMin(a, b, c float64) (offset, value float64) {
	den := a - 2*b + c
	if den <= 0 {
		return 0, b
	}
	offset = 0.5 * (a - c) / den
	offset = min(max(offset, -0.5), 0.5)
	return offset, b - 0.25*(a-c)*offset
}

// dot8 is Σ a[i]·b[i] in float32 with eight partial sums, unrolled by
// eight (Go does not vectorise; independent sums hide the add latency).
func dot8(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa, bb := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
		s4 += aa[4] * bb[4]
		s5 += aa[5] * bb[5]
		s6 += aa[6] * bb[6]
		s7 += aa[7] * bb[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return float64((s0+s1)+(s2+s3)) + float64((s4+s5)+(s6+s7))
}
