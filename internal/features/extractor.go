package features

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Framing constants at 16 kHz.
const (
	SampleRate  = 16000
	HopSamples  = 160 // 10 ms
	FrameLen    = 400 // 25 ms analysis frame for spectral descriptors
	PitchWindow = 640 // 40 ms window for YIN (two periods of 50 Hz)
	fftSpec     = 512
	rate8       = 8000 // pitch and formants run on the signal decimated to 8 kHz
	win8        = PitchWindow / 2
	frame8      = FrameLen / 2
	fftPitch    = 512 // ≥ win8 + maxLag: linear (not circular) autocorrelation
	fftLPC      = 256
	decimTaps   = 31
	numMel      = 26
	lpcOrder    = 10
	minF0       = 55.0
	maxF0       = 600.0
	yinThresh   = 0.15
	voicedMax   = 0.35  // CMNDF at T0 above this is unvoiced
	silenceDB   = -75.0 // frames below this are digital silence: nothing is voiced
	preEmph     = 0.97
	minLag      = 13  // ⌊8000 / maxF0⌋
	maxLag      = 145 // ⌊8000 / minF0⌋
)

// Extractor turns 10 ms hops of 16 kHz audio into LLD vectors. Not safe for concurrent use.
type Extractor struct {
	buf   []float64 // last PitchWindow samples, oldest first
	buf8  []float64 // last win8 samples at 8 kHz
	dec   []float64 // decimation low-pass FIR
	win8  []float64 // Hamming window, frame8
	frame []float64 // windowed frame, zero-padded to fftSpec
	win   []float64 // Hamming window, FrameLen
	spec  *fourier.FFT
	coef  []complex128
	pow   []float64 // power spectrum, fftSpec/2+1
	prevN []float64 // previous sum-normalised magnitude spectrum (flux)
	emph  []float64 // |1 - a e^{-jw}|^2 per bin: pre-emphasis applied in frequency
	melLo []int
	melW  [][]float64
	dct   [][]float64 // NumMFCC x numMel
	melE  []float64

	pfft  *fourier.FFT
	pbuf  []float64 // pitch input, zero-padded to fftPitch
	pcoef []complex128
	acf   []float64
	cs    []float64 // cumulative energy
	cmndf []float64

	lpcIn  []float64
	lpcR   []float64
	lpcA   []float64
	lpcTmp []float64
	lfft   *fourier.FFT
	lbuf   []float64
	lcoef  []complex128
	env    []float64

	prevT0  float64 // period of the previous frame in samples, 0 if unvoiced
	prevDB  float64
	out     []float64
	voiced  bool
	nFrames int
}

// NewExtractor plans the FFTs and builds windows and filter banks once.
func NewExtractor() *Extractor {
	e := &Extractor{
		buf:   make([]float64, PitchWindow),
		frame: make([]float64, fftSpec),
		win:   make([]float64, FrameLen),
		spec:  fourier.NewFFT(fftSpec),
		coef:  make([]complex128, fftSpec/2+1),
		pow:   make([]float64, fftSpec/2+1),
		prevN: make([]float64, fftSpec/2+1),
		emph:  make([]float64, fftSpec/2+1),
		melE:  make([]float64, numMel),
		pfft:  fourier.NewFFT(fftPitch),
		pbuf:  make([]float64, fftPitch),
		pcoef: make([]complex128, fftPitch/2+1),
		acf:   make([]float64, fftPitch),
		cs:    make([]float64, PitchWindow+1),
		cmndf: make([]float64, maxLag+2),

		buf8:   make([]float64, win8),
		dec:    make([]float64, decimTaps),
		win8:   make([]float64, frame8),
		lpcIn:  make([]float64, frame8),
		lpcR:   make([]float64, lpcOrder+1),
		lpcA:   make([]float64, lpcOrder+1),
		lpcTmp: make([]float64, lpcOrder+1),
		lfft:   fourier.NewFFT(fftLPC),
		lbuf:   make([]float64, fftLPC),
		lcoef:  make([]complex128, fftLPC/2+1),
		env:    make([]float64, fftLPC/2+1),
		out:    make([]float64, NumLLD),
	}
	for i := range e.win {
		e.win[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(FrameLen-1))
	}
	for i := range e.win8 {
		e.win8[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(frame8-1))
	}
	// Decimation filter: Hamming-windowed sinc, cut-off 3.6 kHz at 16 kHz, unit DC gain.
	var g float64
	for i := range e.dec {
		t := float64(i - decimTaps/2)
		fc := 3600.0 / SampleRate
		v := 2 * fc
		if t != 0 {
			v = math.Sin(2*math.Pi*fc*t) / (math.Pi * t)
		}
		v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(decimTaps-1))
		e.dec[i] = v
		g += v
	}
	for i := range e.dec {
		e.dec[i] /= g
	}
	for k := range e.emph {
		w := 2 * math.Pi * float64(k) / fftSpec
		e.emph[k] = 1 + preEmph*preEmph - 2*preEmph*math.Cos(w)
	}
	e.buildMel()
	return e
}

func hzToMel(f float64) float64 { return 2595 * math.Log10(1+f/700) }
func melToHz(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }

// buildMel makes numMel triangular filters evenly spaced on the mel scale over 20–8000 Hz
// and the DCT-II matrix for cepstral coefficients 1..NumMFCC.
func (e *Extractor) buildMel() {
	lo, hi := hzToMel(20), hzToMel(SampleRate/2)
	edges := make([]float64, numMel+2)
	for i := range edges {
		edges[i] = melToHz(lo + (hi-lo)*float64(i)/float64(numMel+1))
	}
	binHz := float64(SampleRate) / fftSpec
	e.melLo = make([]int, numMel)
	e.melW = make([][]float64, numMel)
	for m := 0; m < numMel; m++ {
		a, c, b := edges[m], edges[m+1], edges[m+2]
		k0 := int(math.Ceil(a / binHz))
		k1 := int(math.Floor(b / binHz))
		if k1 > fftSpec/2 {
			k1 = fftSpec / 2
		}
		e.melLo[m] = k0
		w := make([]float64, 0, k1-k0+1)
		for k := k0; k <= k1; k++ {
			f := float64(k) * binHz
			v := 0.0
			if f <= c {
				v = (f - a) / (c - a)
			} else {
				v = (b - f) / (b - c)
			}
			w = append(w, math.Max(v, 0))
		}
		e.melW[m] = w
	}
	e.dct = make([][]float64, NumMFCC)
	for k := range e.dct {
		e.dct[k] = make([]float64, numMel)
		for m := 0; m < numMel; m++ {
			e.dct[k][m] = math.Cos(math.Pi * float64(k+1) * (float64(m) + 0.5) / numMel)
		}
	}
}

// Reset forgets the audio history (a new stream).
func (e *Extractor) Reset() {
	clear(e.buf)
	clear(e.prevN)
	e.prevT0, e.prevDB, e.voiced, e.nFrames = 0, 0, false, 0
}

// Voiced reports the voicing decision of the last frame.
func (e *Extractor) Voiced() bool { return e.voiced }

// Hop appends one hop of samples (normally HopSamples; any length up to PitchWindow works)
// and returns the LLD vector of the frame ending at it. The returned slice is owned by the
// Extractor and overwritten by the next call. Samples are full scale ±1.
func (e *Extractor) Hop(samples []float32) []float64 {
	e.push(samples)
	e.nFrames++
	out := e.out
	frame := e.buf[PitchWindow-FrameLen:]

	// Energy (dB) and zero-crossing rate of the 25 ms frame.
	var sum, mean float64
	for _, v := range frame {
		mean += v
	}
	mean /= FrameLen
	zc := 0
	prev := frame[0] - mean
	for _, v := range frame {
		d := v - mean
		sum += d * d
		if (d >= 0) != (prev >= 0) {
			zc++
		}
		prev = d
	}
	db := 10 * math.Log10(sum/FrameLen+1e-12)
	out[Loudness] = db
	out[ZCR] = float64(zc) / FrameLen

	e.spectral(frame, mean)
	t0, vp, hnr := e.pitch(db)
	out[Voicing] = vp
	e.voiced = t0 > 0
	nan := math.NaN()
	if e.voiced {
		f0 := rate8 / t0
		out[F0Semitone] = 12 * math.Log2(f0/27.5)
		out[HNR] = hnr
		if e.prevT0 > 0 {
			out[Jitter] = math.Abs(t0-e.prevT0) / t0
			out[Shimmer] = math.Abs(db - e.prevDB)
		} else {
			out[Jitter], out[Shimmer] = nan, nan
		}
		e.formants()
		e.prevT0, e.prevDB = t0, db
	} else {
		out[F0Semitone], out[HNR], out[Jitter], out[Shimmer] = nan, nan, nan, nan
		out[F1], out[F2], out[F3] = nan, nan, nan
		e.prevT0 = 0
	}
	return out
}

// spectral fills the spectrum-based descriptors from the Hamming-windowed frame.
func (e *Extractor) spectral(frame []float64, mean float64) {
	out := e.out
	for i, v := range frame {
		e.frame[i] = (v - mean) * e.win[i]
	}
	e.spec.Coefficients(e.coef, e.frame)
	var tot float64
	for k, c := range e.coef {
		p := real(c)*real(c) + imag(c)*imag(c)
		e.pow[k] = p
		tot += p
	}
	const eps = 1e-12
	binHz := float64(SampleRate) / fftSpec
	band := func(lo, hi float64) (s float64) {
		for k := int(math.Ceil(lo / binHz)); k < int(math.Ceil(hi/binHz)) && k < len(e.pow); k++ {
			s += e.pow[k]
		}
		return s
	}
	maxDB := func(lo, hi float64) float64 {
		m := 0.0
		for k := int(math.Ceil(lo / binHz)); k < int(math.Ceil(hi/binHz)) && k < len(e.pow); k++ {
			m = math.Max(m, e.pow[k])
		}
		return 10 * math.Log10(m+eps)
	}
	out[AlphaRatio] = 10 * math.Log10((band(50, 1000)+eps)/(band(1000, 5000)+eps))
	out[Hammarberg] = maxDB(0, 2000) - maxDB(2000, 5000)
	out[HFRatio] = 10 * math.Log10((band(4000, 8000)+eps)/(band(0, 4000)+eps))
	out[Slope0500] = e.slope(0, 500)
	out[Slope5001500] = e.slope(500, 1500)

	// Centroid, roll-off, entropy, flux over the magnitude spectrum.
	var cen, magSum float64
	for k, p := range e.pow {
		cen += float64(k) * binHz * p
	}
	cen /= tot + eps
	acc, roll := 0.0, 0
	for k, p := range e.pow {
		acc += p
		if acc >= 0.85*tot {
			roll = k
			break
		}
	}
	var flux float64
	for _, p := range e.pow {
		magSum += math.Sqrt(p)
	}
	for k, p := range e.pow {
		m := math.Sqrt(p) / (magSum + eps)
		d := m - e.prevN[k]
		flux += d * d
		e.prevN[k] = m
	}
	out[Centroid] = cen / 1000
	out[Rolloff] = float64(roll) * binHz / 1000
	out[Flux] = flux * 100

	// MFCC 1..NumMFCC from pre-emphasised log mel energies (Davis & Mermelstein 1980).
	// Entropy of the normalised mel-band energies, in bits / log2(numMel).
	var melTot, ent float64
	for m, w := range e.melW {
		s := 0.0
		k0 := e.melLo[m]
		for j, wj := range w {
			s += wj * e.pow[k0+j] * e.emph[k0+j]
		}
		e.melE[m] = s
		melTot += s
	}
	for m, s := range e.melE {
		if q := s / (melTot + eps); q > 0 {
			ent -= q * math.Log2(q)
		}
		e.melE[m] = math.Log(s + 1e-10)
	}
	out[Entropy] = ent / math.Log2(numMel)
	for k, row := range e.dct {
		s := 0.0
		for m, c := range row {
			s += c * e.melE[m]
		}
		out[MFCC1+k] = s
	}
}

// slope is the least-squares slope (dB per kHz) of the dB power spectrum over [lo, hi) Hz.
func (e *Extractor) slope(lo, hi float64) float64 {
	binHz := float64(SampleRate) / fftSpec
	var n, sx, sy, sxx, sxy float64
	for k := int(math.Ceil(lo / binHz)); float64(k)*binHz < hi; k++ {
		x := float64(k) * binHz / 1000
		y := 10 * math.Log10(e.pow[k]+1e-12)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// Skip appends samples to the history without computing descriptors (outside speech, to
// save time); the next Hop still sees a full window.
func (e *Extractor) Skip(samples []float32) {
	e.push(samples)
	e.prevT0, e.voiced = 0, false
}

// push appends samples to the 16 kHz history and the decimated 8 kHz history (FIR
// low-pass, every second sample; an odd hop length drops one 8 kHz sample).
func (e *Extractor) push(samples []float32) {
	n := len(samples)
	if n > PitchWindow {
		samples = samples[n-PitchWindow:]
		n = PitchWindow
	}
	copy(e.buf, e.buf[n:])
	for i, s := range samples {
		e.buf[PitchWindow-n+i] = float64(s)
	}
	m := n / 2
	copy(e.buf8, e.buf8[m:])
	for j := 0; j < m; j++ {
		k := PitchWindow - n + 2*j + 1
		var y float64
		for t, h := range e.dec {
			if k-t >= 0 {
				y += h * e.buf[k-t]
			}
		}
		e.buf8[win8-m+j] = y
	}
}
