package dsp

import "math"

// The front end's fixed framing: 10 ms hops of 16 kHz audio, a 40 ms window (two periods
// of 50 Hz) ending at each hop, and its 8 kHz twin for pitch.
const (
	FrontRate    = 16000
	FrontHop     = 160 // 10 ms
	FrontWindow  = 640 // 40 ms
	FrontWindow8 = FrontWindow / 2

	// PitchMinHz and PitchMaxHz bound the F0 search of every stream: below the lowest
	// male voices, above shouted and frightened female ones.
	PitchMinHz = 55.0
	PitchMaxHz = 600.0
	// PitchFloorDB is the window level (dBFS) at and below which no pitch is tracked.
	PitchFloorDB = -75.0

	// SpectrumFrame is the 25 ms frame (at 16 kHz) whose power spectrum a Frame offers,
	// zero-padded to SpectrumSize: SpectrumSize/2+1 bins, SpectrumBinHz apart.
	SpectrumFrame = 400
	SpectrumSize  = 512
	SpectrumBinHz = float64(FrontRate) / SpectrumSize
)

// hamming400 is the Hamming window of the spectrum frame, shared by every stream.
var hamming400 = func() []float32 {
	w := make([]float32, SpectrumFrame)
	for i := range w {
		w[i] = float32(0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(SpectrumFrame-1)))
	}
	return w
}()

// Front is the measurement front end of one party stream: it keeps the 40 ms windows at
// 16 and 8 kHz, and measures each 10 ms hop once for every consumer of it — level,
// YIN pitch on the 8 kHz window (PitchMinHz–PitchMaxHz, threshold 0.15; an 8 kHz
// window costs a quarter of the 16 kHz one at the same accuracy for F0 ≤ 600 Hz), and
// the power spectrum of the newest 25 ms on demand. The live stream and offline feature
// extraction (training) both go through it, so a model sees in a call exactly what it
// was trained on.
//
// Not safe for concurrent use; Step does not allocate.
type Front struct {
	win   []float32
	win8  []float32
	dec8  *Resampler // 16 → 8 kHz, made on first use (a codec at 8 kHz brings its own samples)
	hop8  []float32
	pitch *Pitch
	seen  bool // the pitch tracker analysed the previous 8 kHz window
	spec  Spectrum
	f     Frame
	// The window's level comes from the sums of squares of the hops it is made of
	// (FrontWindow/FrontHop of them), so each sample is squared once, not once per
	// window it passes through (a fifth of the work). hopSq is a ring of the last hops'
	// sums, next its oldest slot; whole counts the hops of exactly FrontHop samples slid
	// in since the last one of another length (the sums are then not the window's, and
	// the window is measured sample by sample).
	hopSq [FrontWindow / FrontHop]float64
	next  int
	whole int
}

// Frame is one hop's measurements. It and its slices are owned by the Front and valid
// until the next Step.
type Frame struct {
	Samples []float32 // the hop: FrontHop samples at 16 kHz, full scale ±1
	Window  []float32 // the last FrontWindow samples at 16 kHz, ending with the hop
	Window8 []float32 // the same 40 ms at 8 kHz (FrontWindow8 samples)
	LevelDB float64   // RMS dBFS of Window
	HopDB   float64   // RMS dBFS of the hop
	PeakDB  float64   // peak dBFS of the hop
	// Pitch is YIN on Window8 (T0 in 8 kHz samples); zero when LevelDB ≤ PitchFloorDB.
	Pitch PitchEstimate
	// Spectrum is the power spectrum of the newest SpectrumFrame samples of Window,
	// computed by the first consumer that asks in this hop.
	Spectrum *Spectrum
}

// NewFront returns a Front with silent windows.
func NewFront() *Front {
	f := &Front{
		win:   make([]float32, FrontWindow),
		win8:  make([]float32, FrontWindow8),
		hop8:  make([]float32, 0, FrontHop),
		pitch: NewPitch(FrontRate/2, PitchMinHz, PitchMaxHz, FrontWindow8),
		whole: FrontWindow / FrontHop, // the silent window is silent hops
	}
	f.pitch.SetHop(FrontHop / 2)
	f.spec.init()
	f.spec.Of(f.win)
	f.f.Spectrum = &f.spec
	return f
}

// Push slides a hop into the windows without measuring it (outside speech, for a
// consumer that only needs the history). x and x8 are as for Step.
func (f *Front) Push(x, x8 []float32) {
	sq, _ := sumSqPeak(x)
	f.push(x, x8, sq)
}

// push is Push with the hop's sum of squares already taken.
func (f *Front) push(x, x8 []float32, sq float64) {
	if len(x) == FrontHop {
		f.hopSq[f.next] = sq
		f.next = (f.next + 1) % len(f.hopSq)
		f.whole = min(f.whole+1, len(f.hopSq))
	} else {
		f.whole = 0
	}
	if x8 == nil {
		if f.dec8 == nil {
			f.dec8, _ = NewResampler(FrontRate, FrontRate/2) // a supported pair: cannot fail
		}
		f.hop8 = f.dec8.ProcessFloat(f.hop8[:0], x)
		x8 = f.hop8 // FrontHop/2 in steady state
	}
	slide(f.win, x)
	slide(f.win8, x8)
	f.spec.Of(f.win)
	f.seen = false // a window the tracker does not see breaks its chain
}

// Step slides one hop x (FrontHop samples at 16 kHz) into the windows and measures it.
// x8 is the same 10 ms at 8 kHz when the source is an 8 kHz codec (its own samples,
// aligned by the caller with the decimator's delay, see Decimator8Delay), or nil to
// decimate x. The returned Frame is valid until the next Push or Step.
func (f *Front) Step(x, x8 []float32) *Frame {
	seen := f.seen
	sq, peak := sumSqPeak(x)
	f.push(x, x8, sq)
	slide := 0 // 8 kHz samples since the window the pitch tracker last analysed (0: unknown)
	if seen {
		slide = len(x8)
		if x8 == nil {
			slide = len(f.hop8)
		}
	}
	fr := &f.f
	fr.Samples, fr.Window, fr.Window8 = x, f.win, f.win8
	fr.LevelDB = f.windowDB()
	fr.HopDB, fr.PeakDB = Floor, Floor
	if len(x) > 0 {
		fr.HopDB, fr.PeakDB = toDB(math.Sqrt(sq/float64(len(x)))), toDB(float64(peak))
	}
	fr.Pitch = PitchEstimate{}
	if fr.LevelDB > PitchFloorDB {
		fr.Pitch = f.pitch.AnalyzeNext(f.win8, slide)
		f.seen = true
	}
	return fr
}

// windowDB is the RMS dBFS of the window: from its hops' sums of squares when it is
// made of whole hops, else sample by sample.
func (f *Front) windowDB() float64 {
	if f.whole < len(f.hopSq) {
		db, _ := LevelDB(f.win)
		return db
	}
	h := &f.hopSq
	sum := (h[0] + h[1]) + (h[2] + h[3])
	return toDB(math.Sqrt(max(sum, 0) / FrontWindow))
}

// Decimator8Delay is the group delay, in 8 kHz samples, of the 16 → 8 kHz decimator a
// Front runs when Step gets no 8 kHz hop.
var Decimator8Delay = func() float64 {
	d, _ := NewResampler(FrontRate, FrontRate/2) // a supported pair: cannot fail
	return d.Delay() / 2
}()

// slide appends x to the window w, dropping its oldest samples.
func slide(w, x []float32) {
	if len(x) >= len(w) {
		copy(w, x[len(x)-len(w):])
		return
	}
	copy(w, w[len(x):])
	copy(w[len(w)-len(x):], x)
}

// Spectrum is the power spectrum of the newest SpectrumFrame samples of a Front's window:
// the frame's mean removed, a Hamming window applied, zero-padded to SpectrumSize, one
// shared real FFT (RealFFT). It is computed once per hop, by whichever consumer asks
// first.
type Spectrum struct {
	plan        *RealFFT
	src         []float32 // the window it belongs to
	buf, re, im []float32
	pow         []float32
	mean        float64
	ok          bool
}

// NewSpectrum returns a Spectrum of its own, for windows not kept by a Front.
func NewSpectrum() *Spectrum {
	s := &Spectrum{}
	s.init()
	return s
}

func (s *Spectrum) init() {
	s.plan = NewRealFFT(SpectrumSize)
	s.buf = make([]float32, SpectrumFrame)
	s.re, s.im = make([]float32, SpectrumSize/2+1), make([]float32, SpectrumSize/2+1)
	s.pow = make([]float32, SpectrumSize/2+1)
}

// Of points the Spectrum at a window (at least SpectrumFrame samples at 16 kHz; its newest
// SpectrumFrame are transformed); the power is computed on the next Power or Mean. The
// window must not change until then.
func (s *Spectrum) Of(window []float32) { s.src, s.ok = window, false }

// Power returns |X_k|², k = 0..SpectrumSize/2 (bin k at k·SpectrumBinHz), of the frame
// ending at the current hop. The slice is owned by the Spectrum and valid until the next hop;
// callers must not modify it.
func (s *Spectrum) Power() []float32 {
	if !s.ok {
		s.compute()
	}
	return s.pow
}

// Mean is the mean of the frame the spectrum was taken of (removed before the window).
func (s *Spectrum) Mean() float64 {
	if !s.ok {
		s.compute()
	}
	return s.mean
}

func (s *Spectrum) compute() {
	frame := s.src[len(s.src)-SpectrumFrame:]
	var sum float64
	for _, v := range frame {
		sum += float64(v)
	}
	s.mean = sum / SpectrumFrame
	m := float32(s.mean)
	buf, win := s.buf[:len(frame)], hamming400[:len(frame)]
	for i, v := range frame {
		buf[i] = (v - m) * win[i]
	}
	s.plan.Power(s.pow, s.re, s.im, buf)
	s.ok = true
}
