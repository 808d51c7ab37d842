package features

import (
	"math"

	"github.com/undertone/undertone/internal/dsp"
)

// Framing constants at 16 kHz: those of the stream's front end (dsp.Front).
const (
	SampleRate  = dsp.FrontRate
	HopSamples  = dsp.FrontHop      // 10 ms
	FrameLen    = dsp.SpectrumFrame // 25 ms analysis frame for level and spectral descriptors
	PitchWindow = dsp.FrontWindow   // 40 ms window of the pitch tracker (two periods of 50 Hz)
	rate8       = dsp.FrontRate / 2 // pitch and formants run on the 8 kHz window
	frame8      = FrameLen / 2
	fftSpec     = dsp.SpectrumSize
	fftLPC      = 256
	numMel      = 26
	lpcOrder    = 10
	voicedMax   = 0.35 // d'(T0) above this is unvoiced for the voice descriptors
	preEmph     = 0.97
)

// Extractor turns 10 ms hops into LLD vectors. It reads what the stream's front end
// (dsp.Front) already measured for the hop — the windows, the YIN estimate, the shared
// power spectrum — and adds only its own descriptors, so F0, jitter and HNR come from
// the same pitch estimate as the stream's pitch cue, and the spectrum is computed once per
// hop whoever asks. Offline (training, tests) Hop runs a Front of its own on the samples.
//
// Not safe for concurrent use. About 3 KB per stream: the FFT plans, windows and filter
// banks are shared, read-only tables.
type Extractor struct {
	front *dsp.Front // for Hop and Skip only (made on first use)

	prevN []float32 // previous sum-normalised magnitude spectrum (flux)
	mag   []float64 // magnitude spectrum of this frame
	melE  [numMel]float64

	lpcIn            [frame8]float64
	lpcR, lpcA, lpcT [lpcOrder + 1]float64
	lbuf             [lpcOrder + 1]float32
	lre, lim         []float32 // LPC polynomial spectrum, fftLPC/2+1

	prevT0 float64 // period of the previous voiced frame in 8 kHz samples, 0 if unvoiced
	prevDB float64
	out    []float64
	voiced bool
}

// NewExtractor returns an Extractor with no history.
func NewExtractor() *Extractor {
	return &Extractor{
		prevN: make([]float32, fftSpec/2+1),
		mag:   make([]float64, fftSpec/2+1),
		lre:   make([]float32, fftLPC/2+1),
		lim:   make([]float32, fftLPC/2+1),
		out:   make([]float64, NumLLD),
	}
}

// Reset forgets the audio history (a new stream).
func (e *Extractor) Reset() {
	clear(e.prevN)
	e.prevT0, e.prevDB, e.voiced = 0, 0, false
	if e.front != nil {
		e.front = dsp.NewFront()
	}
}

// Voiced reports the voicing decision of the last frame.
func (e *Extractor) Voiced() bool { return e.voiced }

// Hop appends one hop of 16 kHz samples (HopSamples of them) to the Extractor's own front
// end and returns the LLD vector of the frame ending at it: the offline path, for audio
// that does not come through a party stream. See Frame for the vector.
func (e *Extractor) Hop(samples []float32) []float64 {
	if e.front == nil {
		e.front = dsp.NewFront()
	}
	return e.Frame(e.front.Step(samples, nil))
}

// Skip appends samples to the own front end's history without computing descriptors
// (outside speech, to save time); the next Hop still sees full windows.
func (e *Extractor) Skip(samples []float32) {
	if e.front == nil {
		e.front = dsp.NewFront()
	}
	e.front.Push(samples, nil)
	e.Gap()
}

// Gap tells the Extractor that frames were left out (outside speech): jitter and shimmer
// do not bridge them.
func (e *Extractor) Gap() { e.prevT0, e.voiced = 0, false }

// Frame returns the LLD vector of one measured hop: level and zero-crossing rate of the
// newest 25 ms, spectral descriptors from the frame's shared power spectrum, and — in
// voiced frames (a pitch estimate with d'(T0) ≤ 0.35 inside the lag range) — F0, HNR,
// jitter, shimmer and formants. The slice is owned by the Extractor and overwritten by the
// next call. Samples are full scale ±1.
func (e *Extractor) Frame(f *dsp.Frame) []float64 {
	out := e.out
	frame := f.Window[len(f.Window)-FrameLen:]

	// Energy (dB) and zero-crossing rate of the 25 ms frame.
	var sum, mean float64
	for _, v := range frame {
		mean += float64(v)
	}
	mean /= FrameLen
	zc := 0
	prev := float64(frame[0]) - mean
	for _, v := range frame {
		d := float64(v) - mean
		sum += d * d
		if (d >= 0) != (prev >= 0) {
			zc++
		}
		prev = d
	}
	db := 10 * math.Log10(sum/FrameLen+1e-12)
	out[Loudness] = db
	out[ZCR] = float64(zc) / FrameLen

	e.spectral(f.Spectrum.Power())

	p := &f.Pitch
	out[Voicing] = p.Conf
	e.voiced = p.T0 > 0 && p.Dip <= voicedMax && !p.Edge
	nan := math.NaN()
	if !e.voiced {
		out[F0Semitone], out[HNR], out[Jitter], out[Shimmer] = nan, nan, nan, nan
		out[F1], out[F2], out[F3] = nan, nan, nan
		e.prevT0 = 0
		return out
	}
	t0 := p.T0
	out[F0Semitone] = 12 * math.Log2(rate8/t0/27.5)
	// HNR from the periodicity ρ at T0 (Boersma 1993), clipped to [−10, 40] dB.
	rho := min(max(p.Rho, 1e-4), 0.9999)
	out[HNR] = min(max(10*math.Log10(rho/(1-rho)), -10), 40)
	if e.prevT0 > 0 {
		out[Jitter] = math.Abs(t0-e.prevT0) / t0
		out[Shimmer] = math.Abs(db - e.prevDB)
	} else {
		out[Jitter], out[Shimmer] = nan, nan
	}
	e.formants(f.Window8[len(f.Window8)-frame8:])
	e.prevT0, e.prevDB = t0, db
	return out
}
