package emotion

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// scored is a prediction for one sample, with the raw (temperature 1) log-probabilities
// and arousal logit so that calibration can be fitted and applied afterwards.
type scored struct {
	class  int // truth, −1 when not a product class
	p      Prediction
	logp   [NumClasses]float64
	alogit float64
}

// predictAll scores samples with m. With baseline, every (speaker, condition) stream is
// fed in a shuffled order (seeded) through one Baseline, as a call would: each prediction
// sees only that speaker's earlier calm utterances, never a label.
func predictAll(m *Model, samples []sample, baseline bool, seed int64) []scored {
	out := make([]scored, len(samples))
	sc := NewScorer(m)
	one := func(i int, b *Baseline) {
		p, z := sc.Predict(samples[i].x, b)
		s := scored{class: samples[i].class, p: p, alogit: m.ArousalHead.logit(sc.za)}
		for c, q := range p.Probs {
			s.logp[c] = math.Log(q + 1e-300)
		}
		out[i] = s
		if b != nil {
			b.Update(z, p)
		}
	}
	if !baseline || m.Relative == nil {
		for i := range samples {
			one(i, nil)
		}
		return out
	}
	r := rand.New(rand.NewPCG(uint64(seed), 11))
	for _, grp := range groupStreams(samples) {
		order := slices.Clone(grp)
		r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		b := NewBaseline(m)
		for _, i := range order {
			one(i, b)
		}
	}
	return out
}

// calibrate applies temperatures to raw predictions (probabilities, confidence, arousal).
func calibrate(m *Model, res []scored, tClass, tArousal float64) []scored {
	out := make([]scored, len(res))
	for i, r := range res {
		for c := range r.p.Probs {
			r.p.Probs[c] = r.logp[c] / tClass
		}
		softmax(r.p.Probs[:])
		m.finish(&r.p)
		r.p.Arousal = 2/(1+math.Exp(-r.alogit/tArousal)) - 1
		out[i] = r
	}
	return out
}

// Metrics are the scores of one evaluation. Confusion is [truth][predicted] counts.
type Metrics struct {
	N          int                       `json:"n"`
	UAR        float64                   `json:"uar"`
	Accuracy   float64                   `json:"accuracy"`
	PerClass   map[string]float64        `json:"per_class"`
	Confusion  map[string]map[string]int `json:"confusion"`
	ArousalAUC *float64                  `json:"arousal_auc"`
	Classes    []string                  `json:"classes"` // product classes present in the truth
	// Calibration of the top-class confidence: expected calibration error over 10 equal
	// bins (Naeini et al., AAAI 2015), and at the live headline's threshold ShowAt the
	// share of utterances that would show a class (the rest read "unsure") and the
	// accuracy of those shown.
	ECE      float64 `json:"ece"`
	Shown    float64 `json:"shown"`
	ShownAcc float64 `json:"shown_accuracy"`
}

// highArousal reports the arousal group of a class: angry, happy, fearful vs neutral, sad.
func highArousal(c int) bool { return c == 1 || c == 2 || c == 4 }

// score computes UAR over the classes present, per-class recall, the confusion matrix and
// the arousal AUC (Mann–Whitney, ties count half) of the arousal output.
func score(res []scored) Metrics {
	var conf [NumClasses][NumClasses]int
	var pos, neg []float64
	n := 0
	for _, r := range res {
		if r.class < 0 {
			continue
		}
		n++
		conf[r.class][r.p.Top]++
		if highArousal(r.class) {
			pos = append(pos, r.p.Arousal)
		} else {
			neg = append(neg, r.p.Arousal)
		}
	}
	m := Metrics{N: n, PerClass: map[string]float64{}, Confusion: map[string]map[string]int{}}
	var sum float64
	correct := 0
	for c := range NumClasses {
		tot := 0
		row := map[string]int{}
		for k := range NumClasses {
			tot += conf[c][k]
			row[Classes[k]] = conf[c][k]
		}
		if tot == 0 {
			continue
		}
		m.Classes = append(m.Classes, Classes[c])
		m.Confusion[Classes[c]] = row
		rec := float64(conf[c][c]) / float64(tot)
		m.PerClass[Classes[c]] = rec
		sum += rec
		correct += conf[c][c]
	}
	if len(m.Classes) > 0 {
		m.UAR = sum / float64(len(m.Classes))
		m.Accuracy = float64(correct) / float64(n)
	}
	if len(pos) > 0 && len(neg) > 0 {
		a := auc(pos, neg)
		m.ArousalAUC = &a
	}
	m.ECE, m.Shown, m.ShownAcc = calibration(res, DefaultConfig().Headline.ShowAt)
	return m
}

// calibration returns the ECE (10 bins of confidence), the share of product-class
// predictions with confidence ≥ show, and their accuracy.
func calibration(res []scored, show float64) (ece, shown, shownAcc float64) {
	var cnt, hit [10]float64
	var conf [10]float64
	var n, ns, nsHit float64
	for _, r := range res {
		if r.class < 0 {
			continue
		}
		b := min(int(r.p.Confidence*10), 9)
		ok := 0.0
		if r.p.Top == r.class {
			ok = 1
		}
		cnt[b]++
		hit[b] += ok
		conf[b] += r.p.Confidence
		n++
		if r.p.Confidence >= show {
			ns++
			nsHit += ok
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	for b := range cnt {
		if cnt[b] > 0 {
			ece += cnt[b] / n * math.Abs(hit[b]/cnt[b]-conf[b]/cnt[b])
		}
	}
	if ns > 0 {
		shownAcc = nsHit / ns
	}
	return ece, ns / n, shownAcc
}

func auc(pos, neg []float64) float64 {
	type sv struct {
		v   float64
		pos bool
	}
	all := make([]sv, 0, len(pos)+len(neg))
	for _, v := range pos {
		all = append(all, sv{v, true})
	}
	for _, v := range neg {
		all = append(all, sv{v, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		r := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for k := i; k < j; k++ {
			if all[k].pos {
				rankSum += r
			}
		}
		i = j
	}
	np, nn := float64(len(pos)), float64(len(neg))
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// Write prints m as a short human-readable report.
func (m Metrics) Write(w io.Writer, title string) {
	auc := math.NaN()
	if m.ArousalAUC != nil {
		auc = *m.ArousalAUC
	}
	fmt.Fprintf(w, "%s: n=%d UAR=%.3f acc=%.3f arousal AUC=%.3f ECE=%.3f shown=%.2f (acc %.2f)\n", title, m.N, m.UAR, m.Accuracy, auc, m.ECE, m.Shown, m.ShownAcc)
	var b strings.Builder
	b.WriteString("  recall:")
	for _, c := range m.Classes {
		fmt.Fprintf(&b, " %s=%.2f", c, m.PerClass[c])
	}
	fmt.Fprintln(w, b.String())
	fmt.Fprintf(w, "  confusion (rows truth, cols predicted): %s\n", strings.Join(Classes, " "))
	for _, c := range m.Classes {
		fmt.Fprintf(w, "  %-8s", c)
		for _, k := range Classes {
			fmt.Fprintf(w, " %4d", m.Confusion[c][k])
		}
		fmt.Fprintln(w)
	}
}

func newRand(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 3)) }
