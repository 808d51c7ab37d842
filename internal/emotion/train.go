package emotion

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/undertone/undertone/internal/features"
)

// TrainParams control one fit.
type TrainParams struct {
	L2             float64 // L2 penalty on weights (per row-normalised loss)
	Iterations     int     // L-BFGS iterations
	Orders         int     // shuffled orders per speaker stream for the relative head
	BaselinePrior  float64 // k in Σz/(n+k)
	Hidden         int     // tanh hidden units; 0 = multinomial logistic regression
	BaselineScale  bool    // per-caller z-score instead of mean removal
	Calm           float64 // arousal at or below which an utterance teaches the baseline
	BaselineWindow float64 // baseline memory in calm utterances
	NoCalmGate     bool    // ablation: every utterance teaches the baseline (format v1)
	AugCopies      int     // copies of each training file through the augmentation chain
	AugPitch       float64 // ± semitones of the chain's pitch perturbation (0: DefaultPitchRange)
	AugV1          bool    // ablation: one v1 telephone copy instead of the chain
	Band           string  // front end: BandWide or BandPhone
	ArousalL2      float64 // L2 penalty of the arousal head
	// SpeakerRelative names groups of speaker-dependent functionals that, like the level,
	// enter only relative to the caller's baseline: "pitch" (F0 mean and percentiles) and
	// "formants" (F1–F3 means and percentiles). Their spread, slopes and deltas stay.
	SpeakerRelative []string
	dropLevel       bool // experiments: ignore the absolute level entirely
	Seed            int64
}

// DefaultTrainParams are the settings used for the shipped model.
var DefaultTrainParams = TrainParams{L2: 0.1, Iterations: 300, Orders: 1, BaselinePrior: 2, BaselineScale: true,
	Calm: 0, BaselineWindow: 8, AugCopies: 4, AugPitch: DefaultPitchRange, Band: BandWide, ArousalL2: 3e-2, Seed: 1}

// sample is one utterance under one channel condition.
type sample struct {
	speaker string
	class   int       // −1: not a product class (still feeds the baseline)
	high    int       // arousal group: 1 high, 0 low, −1 unknown (e.g. disgust)
	x       []float64 // raw functionals
	cond    Condition
}

// defaultLabelMap maps corpus labels onto the product classes. calm is low-arousal
// neutral speech. disgust, surprised and boredom are left out of training and scoring:
// RAVDESS disgust is a slow, low-pitched sneer that sits between sad and angry and would
// blur the "angry (irritation)" class the agent acts on; surprised is a brief high-arousal
// reaction of either valence that overlaps happy and fearful; boredom (EmoDB) is closest
// to neutral/sad but not what either class means to an agent. Their audio still feeds the
// per-caller baseline, as any speech in a call would.
func defaultLabelMap() map[string]string {
	return map[string]string{
		"neutral": "neutral", "calm": "neutral", "angry": "angry", "anger": "angry",
		"happy": "happy", "happiness": "happy", "joy": "happy", "sad": "sad", "sadness": "sad",
		"fearful": "fearful", "fear": "fearful", "anxiety": "fearful",
		"disgust": "", "surprised": "", "surprise": "", "boredom": "",
	}
}

// arousalOf is the activation group of a corpus label: 1 high (angry, happy, fearful,
// surprised), 0 low (neutral, calm, sad, boredom), −1 when it is neither clearly (disgust,
// unknown labels). Surprised trains the arousal head although it is not a product class.
func arousalOf(label string) int {
	switch label {
	case "surprised", "surprise":
		return 1
	case "boredom", "calm":
		return 0
	}
	switch (&Model{LabelMap: defaultLabelMap()}).ClassOf(label) {
	case 1, 2, 4:
		return 1
	case 0, 3:
		return 0
	}
	return -1
}

// fit trains a model on samples: standardisation over the product-class samples; the
// absolute head on z; the arousal head on z; and the relative head on [z, rel(z)] with
// baselines built as in a call (each speaker stream in shuffled order, the baseline
// learning only from utterances the arousal head calls calm).
func fit(samples []sample, p TrainParams) *Model {
	nf := features.NumFunctionals
	m := &Model{
		Format: Format, Version: FormatVersion, FeatureSet: FeatureSet,
		Classes: slices.Clone(Classes), LabelMap: defaultLabelMap(),
		Features: features.FunctionalNames(), BaselinePrior: p.BaselinePrior,
		BaselineScale: p.BaselineScale, Band: p.Band,
		Calm: p.Calm, BaselineWindow: math.Max(p.BaselineWindow, 1),
		RelativeOnly: relativeOnly(p.SpeakerRelative),
		// Circumplex coordinates (arousal, valence) per class.
		Arousal: []float64{-0.3, 0.9, 0.6, -0.7, 0.8},
		Valence: []float64{0.1, -0.7, 0.8, -0.7, -0.6},
	}
	if p.NoCalmGate {
		m.Calm, m.BaselineWindow = math.Inf(1), 1e9
	}
	m.Mean = make([]float64, nf)
	m.Scale = make([]float64, nf)
	for j := 0; j < nf; j++ {
		var s, ss, n float64
		for _, sm := range samples {
			if v := sm.x[j]; sm.class >= 0 && !math.IsNaN(v) {
				s += v
				ss += v * v
				n++
			}
		}
		if n > 0 {
			m.Mean[j] = s / n
			sd := math.Sqrt(math.Max(ss/n-m.Mean[j]*m.Mean[j], 0))
			m.Scale[j] = sd
		}
		if !(m.Scale[j] > 1e-9) {
			m.Scale[j] = 1
		}
	}
	for _, r := range m.RelativeOnly {
		m.relOnly = append(m.relOnly, slices.Index(m.Features, r))
		if p.dropLevel { // z ≡ 0: the feature cannot reach either head
			m.Scale[m.relOnly[len(m.relOnly)-1]] = 1e12
		}
	}
	z := make([][]float64, len(samples))
	za := make([][]float64, len(samples))
	for i, sm := range samples {
		z[i] = make([]float64, nf)
		m.Standardize(z[i], sm.x)
		za[i] = slices.Clone(z[i])
		for _, j := range m.relOnly {
			za[i][j] = 0
		}
	}
	// Absolute head and arousal head.
	var X, XA [][]float64
	var y, ya []int
	for i, sm := range samples {
		if sm.class >= 0 {
			X = append(X, za[i])
			y = append(y, sm.class)
		}
		if sm.high >= 0 {
			XA = append(XA, za[i])
			ya = append(ya, sm.high)
		}
	}
	m.Absolute = trainSoftmax(X, y, p)
	m.ArousalHead = trainBinary(XA, ya, p.ArousalL2, p.Iterations)
	// Relative head: streams per (speaker, condition), p.Orders orders each.
	X, y = X[:0], y[:0]
	r := rand.New(rand.NewPCG(uint64(p.Seed), 7))
	for _, grp := range groupStreams(samples) {
		for o := 0; o < max(p.Orders, 1); o++ {
			order := slices.Clone(grp)
			r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			b := NewBaseline(m)
			for _, i := range order {
				if samples[i].class >= 0 {
					row := make([]float64, 2*nf)
					copy(row, za[i])
					for j := range nf {
						row[nf+j] = b.rel(j, z[i][j])
					}
					X = append(X, row)
					y = append(y, samples[i].class)
				}
				b.Update(z[i], Prediction{Arousal: 2*m.ArousalHead.prob(za[i]) - 1})
			}
		}
	}
	h := trainSoftmax(X, y, p)
	m.Relative = &h
	return m
}

// relativeOnly lists the functionals that enter only relative to the baseline: the level
// always, plus the named speaker-dependent groups.
func relativeOnly(groups []string) []string {
	out := []string{features.LevelFunctional}
	lld := map[string][]string{"pitch": {"f0_st"}, "formants": {"f1", "f2", "f3"}}
	for _, g := range groups {
		for _, l := range lld[g] {
			for _, f := range []string{"mean", "p10", "p50", "p90"} {
				out = append(out, l+"_"+f)
			}
		}
	}
	return out
}

// trainBinary fits class-balanced logistic regression with an L2 penalty by L-BFGS.
func trainBinary(X [][]float64, y []int, l2 float64, iters int) Binary {
	d := len(X[0])
	var n1 float64
	for _, v := range y {
		n1 += float64(v)
	}
	n0 := float64(len(y)) - n1
	cw := [2]float64{0.5 / math.Max(n0, 1), 0.5 / math.Max(n1, 1)}
	w := lbfgs(d+1, iters, func(w, g []float64) float64 {
		clear(g)
		f := 0.0
		for i, x := range X {
			s := w[d]
			for j, v := range x {
				s += w[j] * v
			}
			q := 1 / (1 + math.Exp(-s))
			t := float64(y[i])
			wi := cw[y[i]]
			f -= wi * (t*math.Log(q+1e-300) + (1-t)*math.Log(1-q+1e-300))
			e := wi * (q - t)
			for j, v := range x {
				g[j] += e * v
			}
			g[d] += e
		}
		for j := 0; j < d; j++ {
			f += 0.5 * l2 * w[j] * w[j]
			g[j] += l2 * w[j]
		}
		return f
	})
	return Binary{W: slices.Clone(w[:d]), B: w[d], Temperature: 1}
}

// fitTemperatureBinary is fitTemperature for a logistic scorer: T minimising the NLL of
// σ(logit/T) over held-out logits.
func fitTemperatureBinary(logits []float64, y []int) float64 {
	return goldenLogT(func(T float64) float64 {
		s := 0.0
		for i, l := range logits {
			q := 1 / (1 + math.Exp(-l/T))
			if y[i] == 1 {
				s -= math.Log(q + 1e-300)
			} else {
				s -= math.Log(1 - q + 1e-300)
			}
		}
		return s
	})
}

// groupStreams returns the sample indices of each (speaker, condition) stream, in a
// deterministic order.
func groupStreams(samples []sample) [][]int {
	type key struct {
		s string
		c Condition
	}
	idx := map[key]int{}
	var out [][]int
	for i, sm := range samples {
		k := key{sm.speaker, sm.cond}
		g, ok := idx[k]
		if !ok {
			g = len(out)
			idx[k] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

// trainSoftmax fits multinomial logistic regression with class-balanced weights (each class
// carries equal total weight, which targets UAR) and an L2 penalty, by L-BFGS.
func trainSoftmax(X [][]float64, y []int, p TrainParams) Head {
	if p.Hidden > 0 {
		return trainMLP(X, y, p)
	}
	d := len(X[0])
	K := NumClasses
	cw := classWeights(y)
	np := K * (d + 1)
	logit := make([]float64, K)
	var lastX []float64
	var lastF float64
	lastG := make([]float64, np)
	eval := func(w []float64) {
		if lastX != nil && slices.Equal(lastX, w) {
			return
		}
		lastX = append(lastX[:0], w...)
		clear(lastG)
		f := 0.0
		for i, x := range X {
			for c := 0; c < K; c++ {
				row := w[c*(d+1) : (c+1)*(d+1)]
				s := row[d]
				for j, v := range x {
					s += row[j] * v
				}
				logit[c] = s
			}
			softmax(logit)
			wi := cw[y[i]]
			f -= wi * math.Log(logit[y[i]]+1e-300)
			for c := 0; c < K; c++ {
				g := logit[c]
				if c == y[i] {
					g--
				}
				g *= wi
				gr := lastG[c*(d+1) : (c+1)*(d+1)]
				for j, v := range x {
					gr[j] += g * v
				}
				gr[d] += g
			}
		}
		for c := 0; c < K; c++ {
			for j := 0; j < d; j++ {
				v := w[c*(d+1)+j]
				f += 0.5 * p.L2 * v * v
				lastG[c*(d+1)+j] += p.L2 * v
			}
		}
		lastF = f
	}
	w := lbfgs(np, p.Iterations, func(w, g []float64) float64 {
		eval(w)
		copy(g, lastG)
		return lastF
	})
	h := Head{Inputs: d, W: make([][]float64, K), B: make([]float64, K), Temperature: 1}
	for c := 0; c < K; c++ {
		h.W[c] = slices.Clone(w[c*(d+1) : c*(d+1)+d])
		h.B[c] = w[c*(d+1)+d]
	}
	return h
}

// fitTemperature finds T minimising the mean negative log-likelihood of softmax(logits/T)
// (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017).
func fitTemperature(logits [][NumClasses]float64, y []int) float64 {
	return goldenLogT(func(T float64) float64 {
		s := 0.0
		var p [NumClasses]float64
		for i, l := range logits {
			for c := range p {
				p[c] = l[c] / T
			}
			softmax(p[:])
			s -= math.Log(p[y[i]] + 1e-300)
		}
		return s
	})
}

// goldenLogT minimises nll(T) by golden-section search over log T in [−2, 2].
func goldenLogT(nll func(T float64) float64) float64 {
	f := func(lt float64) float64 { return nll(math.Exp(lt)) }
	a, b := -2.0, 2.0
	g := (math.Sqrt(5) - 1) / 2
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := f(c), f(d)
	for range 60 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = f(d)
		}
	}
	return math.Exp((a + b) / 2)
}

// lbfgs minimises f from 0 with limited-memory BFGS (Nocedal & Wright, Alg. 7.4; memory 10)
// and a backtracking Armijo line search. f writes the gradient into g and returns the value.
func lbfgs(n, iters int, f func(w, g []float64) float64) []float64 {
	return lbfgsFrom(make([]float64, n), iters, f)
}

// lbfgsFrom is lbfgs from the starting point w (which it overwrites and returns).
func lbfgsFrom(w []float64, iters int, f func(w, g []float64) float64) []float64 {
	const mem = 10
	n := len(w)
	g := make([]float64, n)
	fx := f(w, g)
	var S, Y [][]float64
	var rho []float64
	dir := make([]float64, n)
	alpha := make([]float64, mem)
	wn, gn := make([]float64, n), make([]float64, n)
	dot := func(a, b []float64) (s float64) {
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	for it := 0; it < iters; it++ {
		for i := range dir {
			dir[i] = -g[i]
		}
		for k := len(S) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(S[k], dir)
			for i := range dir {
				dir[i] -= alpha[k] * Y[k][i]
			}
		}
		if k := len(S) - 1; k >= 0 {
			gam := dot(S[k], Y[k]) / dot(Y[k], Y[k])
			for i := range dir {
				dir[i] *= gam
			}
		}
		for k := range S {
			b := rho[k] * dot(Y[k], dir)
			for i := range dir {
				dir[i] += S[k][i] * (alpha[k] - b)
			}
		}
		gd := dot(g, dir)
		if gd >= 0 { // not a descent direction: restart from steepest descent
			S, Y, rho = S[:0], Y[:0], rho[:0]
			for i := range dir {
				dir[i] = -g[i]
			}
			gd = dot(g, dir)
		}
		step := 1.0
		if len(S) == 0 {
			step = 1 / math.Max(1, math.Sqrt(-gd))
		}
		var fn float64
		for ls := 0; ; ls++ {
			for i := range w {
				wn[i] = w[i] + step*dir[i]
			}
			fn = f(wn, gn)
			if fn <= fx+1e-4*step*gd || ls > 30 {
				break
			}
			step *= 0.5
		}
		s, y := make([]float64, n), make([]float64, n)
		for i := range w {
			s[i], y[i] = wn[i]-w[i], gn[i]-g[i]
		}
		copy(w, wn)
		copy(g, gn)
		done := math.Abs(fx-fn) < 1e-10*math.Max(1, math.Abs(fx))
		fx = fn
		if sy := dot(s, y); sy > 1e-12 {
			if len(S) == mem {
				S, Y, rho = S[1:], Y[1:], rho[1:]
			}
			S, Y, rho = append(S, s), append(Y, y), append(rho, 1/sy)
		}
		if done {
			break
		}
	}
	return w
}

// classWeights gives each present class equal total weight (summing to 1 over samples).
func classWeights(y []int) []float64 {
	count := make([]float64, NumClasses)
	for _, c := range y {
		count[c]++
	}
	present := 0.0
	for _, c := range count {
		if c > 0 {
			present++
		}
	}
	cw := make([]float64, NumClasses)
	for c := range cw {
		if count[c] > 0 {
			cw[c] = 1 / (present * count[c])
		}
	}
	return cw
}
