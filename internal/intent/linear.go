package intent

import (
	"math"
	"math/rand/v2"
)

// example is one training utterance as hashed features.
type example struct {
	x     []feat
	y     int    // class index for the softmax
	needs []bool // per need, for the one-vs-rest heads (nil: not labelled for needs)
	w     float32
	nw    float32 // weight in the need heads
	cued  []bool  // per need, whether one of its cue phrases occurs (nil: none)
}

// trainParams configures SGD with AdaGrad step sizes.
type trainParams struct {
	epochs int
	lr     float64 // AdaGrad base rate
	l2     float64 // L2 per update on touched weights (lazy)
	seed   uint64
}

// softmaxLR is a multinomial logistic regression over hashed features: weights laid out
// feature-major, w[f*C+c], so one feature's weights for all classes are contiguous.
type softmaxLR struct {
	C, D int
	w    []float32
	b    []float32
}

func (m *softmaxLR) logits(x []feat, out []float64) {
	C := m.C
	for c := 0; c < C; c++ {
		out[c] = float64(m.b[c])
	}
	for _, f := range x {
		row := m.w[int(f.idx)*C : int(f.idx)*C+C]
		v := float64(f.val)
		for c, wv := range row {
			out[c] += v * float64(wv)
		}
	}
}

// softmaxT turns logits into probabilities at temperature t, in place.
func softmaxT(z []float64, t float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	s := 0.0
	for i, v := range z {
		z[i] = math.Exp((v - mx) / t)
		s += z[i]
	}
	for i := range z {
		z[i] /= s
	}
}

// trainSoftmax fits a multinomial logistic regression with AdaGrad SGD.
func trainSoftmax(data []example, C, D int, p trainParams) *softmaxLR {
	m := &softmaxLR{C: C, D: D, w: make([]float32, C*D), b: make([]float32, C)}
	g2 := make([]float32, C*D)
	gb := make([]float64, C)
	z := make([]float64, C)
	r := rand.New(rand.NewPCG(p.seed, 7))
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	for ep := 0; ep < p.epochs; ep++ {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			ex := &data[i]
			m.logits(ex.x, z)
			softmaxT(z, 1)
			z[ex.y] -= 1 // gradient of the NLL wrt logits
			wt := float64(ex.w)
			for c := 0; c < C; c++ {
				g := z[c] * wt
				gb[c] += g * g
				m.b[c] -= float32(p.lr * g / (math.Sqrt(gb[c]) + 1e-6))
			}
			for _, f := range ex.x {
				base := int(f.idx) * C
				v := float64(f.val)
				for c := 0; c < C; c++ {
					k := base + c
					g := z[c]*v*wt + p.l2*float64(m.w[k])
					if g == 0 {
						continue
					}
					g2[k] += float32(g * g)
					m.w[k] -= float32(p.lr * g / (math.Sqrt(float64(g2[k])) + 1e-6))
				}
			}
		}
	}
	return m
}

// trainOVR fits one logistic regression per need on the examples that carry need labels.
// Positives are up-weighted to balance each need's prior.
func trainOVR(data []example, N, D int, p trainParams) *softmaxLR {
	m := &softmaxLR{C: N, D: D, w: make([]float32, N*D), b: make([]float32, N)}
	g2 := make([]float32, N*D)
	z := make([]float64, N)
	pos := make([]float64, N)
	tot := 0.0
	var idx []int
	for i, ex := range data {
		if ex.needs == nil {
			continue
		}
		idx = append(idx, i)
		tot++
		for n, v := range ex.needs {
			if v {
				pos[n]++
			}
		}
	}
	posW := make([]float64, N)
	for n := range posW {
		posW[n] = 1
		if pos[n] > 0 {
			posW[n] = math.Min(5, math.Sqrt((tot-pos[n])/pos[n]))
		}
		// The bias is fixed at the log-odds of the weighted prior instead of learnt: a learnt
		// bias drifted positive (cancelled by negative weights on common words), so a short
		// line with unfamiliar words ("yeah yeah") fired every need.
		m.b[n] = float32(math.Log((posW[n]*pos[n] + 0.5) / (tot - pos[n] + 0.5)))
	}
	r := rand.New(rand.NewPCG(p.seed, 11))
	for ep := 0; ep < p.epochs; ep++ {
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			ex := &data[i]
			m.logits(ex.x, z)
			for n := 0; n < N; n++ {
				pr := 1 / (1 + math.Exp(-z[n]))
				y, wt := 0.0, float64(ex.nw)
				if ex.needs[n] {
					y, wt = 1, wt*posW[n]
				}
				z[n] = (pr - y) * wt
			}
			for _, f := range ex.x {
				base := int(f.idx) * N
				v := float64(f.val)
				for n := 0; n < N; n++ {
					k := base + n
					g := z[n]*v + p.l2*float64(m.w[k])
					if g == 0 {
						continue
					}
					g2[k] += float32(g * g)
					m.w[k] -= float32(p.lr * g / (math.Sqrt(float64(g2[k])) + 1e-6))
				}
			}
		}
	}
	return m
}

// fitTemperature picks the softmax temperature that minimises the negative log-likelihood
// on held-out logits (Guo et al. 2017, "On calibration of modern neural networks").
func fitTemperature(logits [][]float64, ys []int) float64 {
	best, bestT := math.Inf(1), 1.0
	z := []float64{}
	for t := 0.3; t <= 4.0; t += 0.05 {
		nll := 0.0
		for i, l := range logits {
			z = append(z[:0], l...)
			softmaxT(z, t)
			nll -= math.Log(math.Max(z[ys[i]], 1e-12))
		}
		if nll < best {
			best, bestT = nll, t
		}
	}
	return bestT
}
