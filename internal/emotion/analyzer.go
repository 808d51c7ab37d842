package emotion

import (
	"math"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/dsp"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/features"
)

// Config tunes the live Analyzer. Zero fields take the DefaultConfig value.
type Config struct {
	MinUtterance time.Duration // shorter speech is not scored (default 600 ms)
	MaxUtterance time.Duration // longer turns are scored and split here (default 10 s)
	Hangover     time.Duration // silence after the VAD's own hangover that still joins speech (default 200 ms)
	Window       time.Duration // rolling window length during a turn (default 2 s)
	WindowEvery  time.Duration // rolling window cadence (default 1 s)
	SmoothTau    time.Duration // smoothing time constant across events (default 3 s)
	SmoothMin    float64       // weight of the newest estimate never falls below this (default 0.4)
	NoBaseline   bool          // score without the per-caller baseline
	Parties      []event.Party // parties to analyse; empty means all
	Headline     HeadlineConfig
}

// DefaultConfig is the configuration the server runs with.
func DefaultConfig() Config {
	return Config{
		MinUtterance: 600 * time.Millisecond,
		MaxUtterance: 10 * time.Second,
		Hangover:     200 * time.Millisecond,
		Window:       2 * time.Second,
		WindowEvery:  time.Second,
		SmoothTau:    3 * time.Second,
		SmoothMin:    0.4,
		Headline:     HeadlineConfig{}.withDefaults(),
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MinUtterance <= 0 {
		c.MinUtterance = d.MinUtterance
	}
	if c.MaxUtterance <= 0 {
		c.MaxUtterance = d.MaxUtterance
	}
	if c.Hangover <= 0 {
		c.Hangover = d.Hangover
	}
	if c.Window <= 0 {
		c.Window = d.Window
	}
	if c.WindowEvery <= 0 {
		c.WindowEvery = d.WindowEvery
	}
	if c.SmoothTau <= 0 {
		c.SmoothTau = d.SmoothTau
	}
	if c.SmoothMin <= 0 {
		c.SmoothMin = d.SmoothMin
	}
	c.Headline = c.Headline.withDefaults()
	return c
}

const hop = 10 * time.Millisecond

func frames(d time.Duration) int { return int(d / hop) }

// minActive is the fewest loud frames (0.3 s) a span needs to be scored.
const minActive = 30

// NewAnalyzerFactory returns the call.AnalyzerFactory of the emotion stage: per party
// stream, an Analyzer that segments utterances from the stream's VAD, extracts features
// hop by hop, and emits an event.Emotion per finished utterance and every WindowEvery
// during a long turn (over the last Window), relative to the caller's own baseline and
// smoothed over time.
func NewAnalyzerFactory(m *Model, cfg Config) call.AnalyzerFactory {
	cfg = cfg.withDefaults()
	return func(callID string, p event.Party) call.Analyzer {
		if len(cfg.Parties) > 0 {
			found := false
			for _, q := range cfg.Parties {
				found = found || q == p
			}
			if !found {
				return nil
			}
		}
		return NewAnalyzer(m, cfg, p)
	}
}

// Analyzer is the emotion stage of one party stream. It implements call.Analyzer and is
// used from the stream's goroutine only; Hop does not allocate (an event allocates its
// payload, at most a few times a second).
type Analyzer struct {
	m     *Model
	cfg   Config
	party event.Party
	ext   *features.Extractor
	buf   *features.Buffer
	sc    *Scorer
	base  *Baseline
	x     []float64
	fe    *frontEnd // nil unless the model's front end is the telephone band
	hb    []float32 // the filtered hop
	fr    dsp.Frame // the stream's measurements of the hop, as the Extractor reads them
	head  headline

	inUtt     bool
	start     time.Duration // media time the utterance began
	lastSpeak time.Duration // media time of its last speech hop
	n         int           // frames in the utterance
	silence   int           // trailing non-speech frames
	lastWin   int           // frame count at the last window event

	smoothed [NumClasses]float64
	smoothA  float64 // smoothed absolute arousal
	lastEmit time.Duration
	emitted  bool
}

var _ call.Analyzer = (*Analyzer)(nil)

// NewAnalyzer makes the emotion analyzer of one party stream.
func NewAnalyzer(m *Model, cfg Config, p event.Party) *Analyzer {
	cfg = cfg.withDefaults()
	a := &Analyzer{
		m: m, cfg: cfg, party: p,
		ext:  features.NewExtractor(),
		buf:  features.NewBuffer(frames(cfg.MaxUtterance) + frames(cfg.Hangover) + 1),
		sc:   NewScorer(m),
		x:    make([]float64, features.NumFunctionals),
		head: newHeadline(cfg.Headline),
	}
	if m.Band == BandPhone {
		a.fe, a.hb = newFrontEnd(), make([]float32, features.PitchWindow)
	}
	if !cfg.NoBaseline {
		a.base = NewBaseline(m)
	}
	return a
}

// Hop consumes one 10 ms hop. The features read the stream's own measurements of it (its
// windows, pitch estimate and shared spectrum); only a model with the telephone-band front
// end, or a hop that carries no spectrum (built by hand), runs the Extractor's own front
// end on the samples.
func (a *Analyzer) Hop(h *call.Hop, emit call.Emitter) {
	own := a.fe != nil || h.Spectrum == nil
	samples := h.Samples
	if a.fe != nil && len(samples) <= len(a.hb) {
		a.fe.process(a.hb, samples)
		samples = a.hb[:len(samples)]
	}
	if !a.inUtt && !h.Speech {
		if own {
			a.ext.Skip(samples)
		} else {
			a.ext.Gap()
		}
		return
	}
	if !a.inUtt {
		a.inUtt = true
		a.start = h.T - hop
		a.n, a.silence, a.lastWin = 0, 0, 0
		a.buf.Reset()
	}
	if own {
		a.buf.Push(a.ext.Hop(samples))
	} else {
		a.fr = dsp.Frame{Samples: h.Samples, Window: h.Window, Window8: h.Window8, LevelDB: h.LevelDB,
			Pitch: h.Pitch, Spectrum: h.Spectrum}
		a.buf.Push(a.ext.Frame(&a.fr))
	}
	a.n++
	if h.Speech {
		a.silence = 0
		a.lastSpeak = h.T
	} else {
		a.silence++
	}
	switch {
	case a.silence >= frames(a.cfg.Hangover):
		a.finish(emit)
	case a.n >= frames(a.cfg.MaxUtterance):
		a.finish(emit)
		// The turn goes on: the next hop opens a new utterance.
	case a.n >= frames(a.cfg.Window) && a.n-a.lastWin >= frames(a.cfg.WindowEvery) && a.n-a.silence >= frames(a.cfg.Window)/2:
		a.lastWin = a.n
		a.score(emit, event.EmotionWindow, h.T-time.Duration(frames(a.cfg.Window))*hop, h.T, frames(a.cfg.Window))
	}
}

// Close scores the utterance in progress, if long enough.
func (a *Analyzer) Close(emit call.Emitter) {
	if a.inUtt {
		a.finish(emit)
	}
}

func (a *Analyzer) finish(emit call.Emitter) {
	a.inUtt = false
	speech := a.n - a.silence
	if speech < frames(a.cfg.MinUtterance) {
		return
	}
	a.score(emit, event.EmotionUtterance, a.start, a.lastSpeak, a.n)
}

// score computes functionals over the last `last` frames, predicts, smooths, updates the
// headline and — for utterances only, and only when calm — the baseline, and emits.
func (a *Analyzer) score(emit call.Emitter, kind string, start, end time.Duration, last int) {
	if a.buf.Functionals(a.x, last) < minActive {
		return
	}
	p, z := a.sc.Predict(a.x, a.base)
	// Smooth: exponential in media time, never below SmoothMin for the newest estimate.
	w := 1.0
	if a.emitted {
		dt := (end - a.lastEmit).Seconds()
		w = math.Max(a.cfg.SmoothMin, 1-math.Exp(-math.Max(dt, 0)/a.cfg.SmoothTau.Seconds()))
	}
	var s Prediction
	for c := range s.Probs {
		a.smoothed[c] = w*p.Probs[c] + (1-w)*a.smoothed[c]
		s.Probs[c] = a.smoothed[c]
	}
	a.smoothA = w*p.Arousal + (1-w)*a.smoothA
	a.m.finish(&s)
	s.Arousal = a.smoothA
	a.head.update(&p.Probs) // the headline accumulates its own evidence from each estimate
	var bd event.BaselineDelta
	if a.base != nil {
		bd.Arousal, bd.Valence = a.base.Delta(s)
		bd.Level, _ = a.base.Level()
		bd.N = a.base.N()
		if kind == event.EmotionUtterance {
			// The utterance's own (unsmoothed) arousal decides whether it is calm.
			a.base.Update(z, p)
		}
	}
	a.emitted, a.lastEmit = true, end
	probs := make(map[string]float64, NumClasses)
	for c, q := range s.Probs {
		probs[Classes[c]] = round3(q)
	}
	emit.Emit(a.party, end, &event.EmotionData{
		Probs:      probs,
		Top:        Classes[s.Top],
		Headline:   a.head.name(),
		Arousal:    round3(s.Arousal),
		Valence:    round3(s.Valence),
		Confidence: round3(s.Confidence),
		Baseline:   event.BaselineDelta{Arousal: round3(bd.Arousal), Valence: round3(bd.Valence), Level: round3(bd.Level), N: bd.N},
		Kind:       kind,
		Start:      round3(start.Seconds()),
		End:        round3(end.Seconds()),
	})
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
