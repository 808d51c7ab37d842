package emotion

import (
	"math"
	"math/rand/v2"
	"slices"
)

// trainMLP fits a one-hidden-layer tanh network with a softmax output, class-balanced
// cross-entropy and an L2 penalty on all weights, by full-batch L-BFGS from a seeded
// Glorot initialisation.
func trainMLP(X [][]float64, y []int, p TrainParams) Head {
	d, H, K := len(X[0]), p.Hidden, NumClasses
	cw := classWeights(y)
	n1 := H * (d + 1) // hidden weights and biases
	np := n1 + K*(H+1)
	r := rand.New(rand.NewPCG(uint64(p.Seed), 99))
	init := make([]float64, np)
	sd := math.Sqrt(2 / float64(d+H))
	for j := 0; j < H; j++ {
		for i := 0; i < d; i++ {
			init[j*(d+1)+i] = sd * r.NormFloat64()
		}
	}
	hid := make([]float64, H)
	gh := make([]float64, H)
	logit := make([]float64, K)
	f := func(w, g []float64) float64 {
		for i := range g {
			g[i] = 0
		}
		loss := 0.0
		for n, x := range X {
			for j := 0; j < H; j++ {
				row := w[j*(d+1) : (j+1)*(d+1)]
				s := row[d]
				for i, v := range x {
					s += row[i] * v
				}
				hid[j] = math.Tanh(s)
			}
			for c := 0; c < K; c++ {
				row := w[n1+c*(H+1) : n1+(c+1)*(H+1)]
				s := row[H]
				for j, v := range hid {
					s += row[j] * v
				}
				logit[c] = s
			}
			softmax(logit)
			wi := cw[y[n]]
			loss -= wi * math.Log(logit[y[n]]+1e-300)
			clear(gh)
			for c := 0; c < K; c++ {
				e := logit[c]
				if c == y[n] {
					e--
				}
				e *= wi
				row := w[n1+c*(H+1) : n1+(c+1)*(H+1)]
				gr := g[n1+c*(H+1) : n1+(c+1)*(H+1)]
				for j, v := range hid {
					gr[j] += e * v
					gh[j] += e * row[j]
				}
				gr[H] += e
			}
			for j := 0; j < H; j++ {
				a := gh[j] * (1 - hid[j]*hid[j])
				if a == 0 {
					continue
				}
				gr := g[j*(d+1) : (j+1)*(d+1)]
				for i, v := range x {
					gr[i] += a * v
				}
				gr[d] += a
			}
		}
		for j := 0; j < H; j++ {
			for i := 0; i < d; i++ {
				v := w[j*(d+1)+i]
				loss += 0.5 * p.L2 * v * v
				g[j*(d+1)+i] += p.L2 * v
			}
		}
		for c := 0; c < K; c++ {
			for j := 0; j < H; j++ {
				v := w[n1+c*(H+1)+j]
				loss += 0.5 * p.L2 * v * v
				g[n1+c*(H+1)+j] += p.L2 * v
			}
		}
		return loss
	}
	w := lbfgsFrom(init, p.Iterations, f)
	h := Head{Inputs: d, H: make([][]float64, H), HB: make([]float64, H),
		W: make([][]float64, K), B: make([]float64, K), Temperature: 1}
	for j := 0; j < H; j++ {
		h.H[j] = slices.Clone(w[j*(d+1) : j*(d+1)+d])
		h.HB[j] = w[j*(d+1)+d]
	}
	for c := 0; c < K; c++ {
		h.W[c] = slices.Clone(w[n1+c*(H+1) : n1+c*(H+1)+H])
		h.B[c] = w[n1+c*(H+1)+H]
	}
	return h
}
