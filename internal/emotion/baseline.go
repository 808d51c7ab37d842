package emotion

import "math"

// Baseline is the caller's own calm reference in this call: running statistics of the
// standardised features, and the mean arousal and valence, of the caller's calm-sounding
// utterances only.
//
// It tracks the caller, not the mood. An utterance teaches it only when its absolute
// arousal (from the arousal head, which never sees the baseline) is at or below
// Model.Calm, so a caller who stays angry never becomes their own reference and the
// change against the baseline stays high for as long as the anger lasts. The first calm
// utterances set it (a plain mean, shrunk towards the population by the prior k); after
// Model.BaselineWindow of them it moves as an exponential moving average with weight
// 1/BaselineWindow per calm utterance — slowly, and only on calm speech.
//
// Predict never sees the current utterance in the baseline; the caller offers it with
// Update afterwards. Training builds baselines with the same type, in call order.
type Baseline struct {
	sum, sq []float64 // decayed sums of z and z² over calm utterances
	w       float64   // decayed count: the effective number of calm utterances
	n       int       // calm utterances taken in all
	k       float64
	window  float64
	calm    float64
	scaled  bool
	// Decayed sums of arousal and valence of the calm utterances, for the event delta.
	aSum, vSum float64
}

// NewBaseline makes an empty baseline for model m.
func NewBaseline(m *Model) *Baseline {
	return &Baseline{sum: make([]float64, len(m.Mean)), sq: make([]float64, len(m.Mean)),
		k: m.BaselinePrior, window: math.Max(m.BaselineWindow, 1), calm: m.Calm, scaled: m.BaselineScale}
}

// rel is feature i of z relative to the baseline: z − mean, or a z-score when scaled.
func (b *Baseline) rel(i int, z float64) float64 {
	return relFeature(z, b.sum[i], b.sq[i], b.w, b.k, b.scaled)
}

// relFeature is the relative feature from running sums over n (effective) utterances
// with prior pseudo-count k: mean = Σz/(n+k), sd = sqrt(max((Σz² + k)/(n+k) − mean², 0.05)).
func relFeature(z, sum, sq, n, k float64, scaled bool) float64 {
	m := sum / (n + k)
	if !scaled {
		return z - m
	}
	v := math.Max((sq+k)/(n+k)-m*m, 0.05)
	return (z - m) / math.Sqrt(v)
}

// N is the number of calm utterances the baseline has learned from.
func (b *Baseline) N() int { return b.n }

// Calm reports whether a prediction is calm enough to teach the baseline.
func (b *Baseline) Calm(p Prediction) bool { return p.Arousal <= b.calm }

// Update offers one utterance (its standardised features and its prediction) and reports
// whether it was calm enough to be learned from.
func (b *Baseline) Update(z []float64, p Prediction) bool {
	if !b.Calm(p) {
		return false
	}
	d := 1.0
	if b.w >= b.window {
		d = 1 - 1/b.window
	}
	for i, v := range z {
		b.sum[i] = d*b.sum[i] + v
		b.sq[i] = d*b.sq[i] + v*v
	}
	b.w = d*b.w + 1
	b.aSum = d*b.aSum + p.Arousal
	b.vSum = d*b.vSum + p.Valence
	b.n++
	return true
}

// Level is the baseline's own arousal and valence (0, 0 before the first calm utterance).
func (b *Baseline) Level() (a, v float64) {
	if b.n == 0 {
		return 0, 0
	}
	return b.aSum / b.w, b.vSum / b.w
}

// Delta is the change of p's arousal and valence against the baseline (0, 0 before the
// first calm utterance).
func (b *Baseline) Delta(p Prediction) (da, dv float64) {
	if b.n == 0 {
		return 0, 0
	}
	a, v := b.Level()
	return p.Arousal - a, p.Valence - v
}

// Reset forgets the caller.
func (b *Baseline) Reset() {
	clear(b.sum)
	clear(b.sq)
	b.w, b.n, b.aSum, b.vSum = 0, 0, 0, 0
}
