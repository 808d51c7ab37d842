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
// with W = len(x) − τmax − 1 (the same W samples for every lag), τmin =
// ⌊rate/maxHz⌋, τmax = ⌈rate/minHz⌉. The cost is O(W·τmax) multiply-adds per
// call (≈ 25 k for the 40 ms window at 8 kHz, 55–600 Hz); no allocation after
// NewPitch.
//
// On a stream (SetHop, AnalyzeNext) the window slides by a fixed hop between
// calls, and the cross products r(τ) = Σ_j x[j]·x[j+τ] are summed in chunks of
// hop samples: after a slide by one hop the first chunks of the new window are
// the later chunks of the previous one, so only the last full chunk and the
// remainder are computed (93 of 173 samples per lag at 8 kHz with 10 ms hops).
// The chunking is the same whether a chunk is reused or recomputed, so the
// estimate of a window does not depend on what came before it.
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
	et     []float64 // e_τ, the energy of x[τ:τ+W]

	hop    int         // chunk length of the cross products (SetHop; 0: one chunk)
	chunks [][]float64 // per full chunk c, Σ over chunk c of x[j]·x[j+τ], τ = 0..tauMax+1
	chunkW int         // integration window the chunks were summed for (0: none)
}

// SetHop makes the estimator sum cross products in chunks of hop samples, the
// slide of its window between AnalyzeNext calls.
func (p *Pitch) SetHop(hop int) {
	p.hop, p.chunks, p.chunkW = max(hop, 0), nil, 0
	if hop > 0 {
		for range (p.window - p.tauMax - 1) / hop {
			p.chunks = append(p.chunks, make([]float64, p.tauMax+2))
		}
	}
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
		et:        make([]float64, tauMax+2),
	}
}

// Window is the number of samples Estimate expects.
func (p *Pitch) Window() int { return p.window }

// PitchEstimate is everything one YIN run finds, so that every consumer of a hop (the
// stream's pitch cue, the emotion features' F0, jitter and HNR) reads one estimate.
type PitchEstimate struct {
	Hz     float64 // rate / T0: the dip's frequency when voiced, else the best candidate (0 for silence)
	Conf   float64 // 1 − d'(T0) in [0, 1]
	Voiced bool    // a dip of d' below Threshold was found
	T0     float64 // period in samples at the estimator's rate, parabolically interpolated (0 for silence)
	Dip    float64 // d'(T0), the interpolated minimum of the cumulative mean normalised difference
	// Rho is the normalised autocorrelation at the integer lag τ̂ nearest T0,
	// ρ = 1 − d(τ̂)/(e₀ + e_τ̂) = 2·r(τ̂)/(e₀ + e_τ̂), clipped to [0, 1]: the periodicity
	// from which the harmonics-to-noise ratio follows, HNR = 10·log10(ρ/(1−ρ))
	// (Boersma, "Accurate short-term analysis of the fundamental frequency and the
	// harmonics-to-noise ratio of a sampled sound", IFA Proceedings 17, 1993).
	Rho  float64
	Edge bool // τ̂ lies on the lag range's edge (τmin or τmax): the true period may lie outside it
}

// Estimate returns the fundamental frequency hz of x, a confidence
// conf = 1 − d'(τ̂) in [0, 1], and whether the window is voiced (a dip of d'
// below Threshold was found). For unvoiced windows hz is the best candidate
// (global minimum of d') or 0 for silence. x should hold Window() samples;
// a longer x is cut to its last Window() samples, a shorter one (less than
// τmax + one period) is unvoiced. Analyze returns the whole estimate.
func (p *Pitch) Estimate(x []float32) (hz, conf float64, voiced bool) {
	e := p.Analyze(x)
	return e.Hz, e.Conf, e.Voiced
}

// Analyze runs YIN on x (see Estimate) and returns the whole estimate.
func (p *Pitch) Analyze(x []float32) PitchEstimate {
	e := p.analyze(x, 0)
	p.chunkW = 0 // not part of a stream: the next AnalyzeNext starts afresh
	return e
}

// AnalyzeNext is Analyze for the next window of a stream: x is the previous
// call's window slid by slide samples (0: unknown, or the previous window was
// not analysed). When slide is the hop set by SetHop the overlap's cross
// products are reused; the estimate is the same as Analyze's.
func (p *Pitch) AnalyzeNext(x []float32, slide int) PitchEstimate { return p.analyze(x, slide) }

func (p *Pitch) analyze(x []float32, slide int) (e PitchEstimate) {
	if len(x) > p.window {
		x = x[len(x)-p.window:]
	}
	w := len(x) - p.tauMax - 1 // integration window; +1 for interpolation at τmax+1
	if w < p.tauMax/2 || w < 8 {
		p.chunkW = 0
		return e
	}
	var e0 float64
	for _, v := range x[:w] {
		e0 += float64(v) * float64(v)
	}
	if e0/float64(w) < p.MinEnergy {
		p.chunkW = 0
		return e
	}

	d, dn, et := p.d, p.dn, p.et
	top := p.tauMax + 1
	// Autocorrelation form d(τ) = e₀ + e_τ − 2·r(τ) (paper, eq. 7): e_τ
	// slides in O(1), r(τ) is one multiply-add per sample, summed per chunk.
	h, full := p.hop, 0
	if h > 0 && w/h <= len(p.chunks) {
		full = w / h
	}
	reuse := 0 // chunks carried over from the previous window
	if full > 0 && slide == h && p.chunkW == w {
		reuse = full - 1
		first := p.chunks[0]
		copy(p.chunks, p.chunks[1:full])
		p.chunks[full-1] = first
	}
	p.chunkW = 0
	if full > 0 {
		p.chunkW = w
	}
	for c := reuse; c < full; c++ {
		ch, a := p.chunks[c][:top+1], x[c*h:(c+1)*h]
		for tau := 1; tau <= top; tau++ {
			ch[tau] = dot8(a, x[c*h+tau:(c+1)*h+tau])
		}
	}
	rest := full * h
	sum := e0
	for tau := 1; tau <= top; tau++ {
		a, b := float64(x[tau-1]), float64(x[tau+w-1])
		sum += b*b - a*a
		et[tau] = sum
		var r float64
		for _, ch := range p.chunks[:full] {
			r += ch[tau]
		}
		if rest < w {
			r += dot8(x[rest:w], x[rest+tau:w+tau])
		}
		d[tau] = max(e0+sum-2*r, 0)
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
			e.Voiced = true
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
	e.Dip = max(minVal, 0)
	e.Conf = min(max(1-minVal, 0), 1)
	e.T0 = float64(best) + refined
	e.Hz = p.rate / e.T0
	e.Rho = min(max(1-d[best]/(e0+et[best]+1e-20), 0), 1)
	e.Edge = best == p.tauMin || best == p.tauMax
	return e
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
