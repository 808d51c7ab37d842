package intent

import "math"

// calibrate fits the temperature on dev and picks the abstain threshold that maximises the
// mean of in-scope accuracy (correct and not abstained) and out-of-scope recall.
func calibrate(m *softmaxLR, dev []example, oos int) (temp, thr, inAcc, oosRec float64) {
	logits := make([][]float64, len(dev))
	ys := make([]int, len(dev))
	for i, ex := range dev {
		logits[i] = make([]float64, m.C)
		m.logits(ex.x, logits[i])
		ys[i] = ex.y
	}
	temp = fitTemperature(logits, ys)
	best := -1.0
	z := make([]float64, m.C)
	for t := 0.0; t <= 0.9; t += 0.01 {
		var nIn, okIn, nOOS, okOOS float64
		for i, l := range logits {
			copy(z, l)
			softmaxT(z, temp)
			top, bestIn := argmax(z, -1), argmax(z, oos)
			abstain := top == oos || z[bestIn] < t
			if ys[i] == oos {
				nOOS++
				if abstain {
					okOOS++
				}
			} else {
				nIn++
				if !abstain && bestIn == ys[i] {
					okIn++
				}
			}
		}
		a, r := okIn/math.Max(nIn, 1), okOOS/math.Max(nOOS, 1)
		if (a+r)/2 > best+1e-9 {
			best, thr, inAcc, oosRec = (a+r)/2, t, a, r
		}
	}
	return temp, thr, inAcc, oosRec
}

// argmax returns the index of the largest value, skipping index skip.
func argmax(z []float64, skip int) int {
	b := -1
	for i, v := range z {
		if i != skip && (b < 0 || v > z[b]) {
			b = i
		}
	}
	return b
}

// tuneNeeds picks per-need thresholds maximising F1 on the labelled dev lines: one for
// lines where none of the need's cue phrases occurs (within [0.4, 0.8], so that a small dev
// set cannot push it to extremes: tuned on held-out groups, where the heads are less sure,
// the F1 optimum for urgency and distrust fell to 0.2–0.3, and calm questions then raised
// hints) and one for lines where a cue does (within [0.05, 0.8]).
// The need heads learn mostly from Dutch lines; a cue phrase is the explicit, language-
// independent evidence that lets an English line through at a lower probability.
func tuneNeeds(nm *softmaxLR, dev []example) (thr, cueThr []float64) {
	thr, cueThr = make([]float64, nm.C), make([]float64, nm.C)
	z := make([]float64, nm.C)
	type pr struct {
		p      float64
		y, cue bool
	}
	per := make([][]pr, nm.C)
	for _, ex := range dev {
		if ex.needs == nil {
			continue
		}
		nm.logits(ex.x, z)
		for n := range z {
			per[n] = append(per[n], pr{1 / (1 + math.Exp(-z[n])), ex.needs[n], ex.cued != nil && ex.cued[n]})
		}
	}
	for n := range thr {
		thr[n], cueThr[n] = 0.5, 0.5
		bestF := -1.0
		for t := 0.4; t <= 0.801; t += 0.05 {
			for tc := 0.05; tc <= 0.801; tc += 0.05 {
				var tp, fp, fn float64
				for _, x := range per[n] {
					on := x.p >= t || (x.cue && x.p >= tc)
					switch {
					case on && x.y:
						tp++
					case on:
						fp++
					case x.y:
						fn++
					}
				}
				f := 2 * tp / math.Max(2*tp+fp+fn, 1)
				if f > bestF+1e-9 {
					bestF, thr[n], cueThr[n] = f, t, tc
				}
			}
		}
	}
	return thr, cueThr
}

func oosScores(m *softmaxLR, ex []example, oos int, temp, thr float64) (inAcc, oosRec float64) {
	z := make([]float64, m.C)
	var nIn, okIn, nO, okO float64
	for _, e := range ex {
		m.logits(e.x, z)
		softmaxT(z, temp)
		top, bestIn := argmax(z, -1), argmax(z, oos)
		abstain := top == oos || z[bestIn] < thr
		if e.y == oos {
			nO++
			if abstain {
				okO++
			}
		} else {
			nIn++
			if !abstain && bestIn == e.y {
				okIn++
			}
		}
	}
	return okIn / math.Max(nIn, 1), okO / math.Max(nO, 1)
}

// abstainAccuracy is the accuracy with out_of_scope as a label: abstaining counts as
// predicting it, as Model.Classify does with in-scope floor floor (0: none).
func abstainAccuracy(m *softmaxLR, ex []example, oos int, temp, thr, floor float64) float64 {
	z := make([]float64, m.C)
	ok := 0
	for _, e := range ex {
		m.logits(e.x, z)
		softmaxT(z, temp)
		pred := argmax(z, oos)
		if argmax(z, -1) == oos && !(floor > 0 && z[pred] >= floor) || z[pred] < thr {
			pred = oos
		}
		if pred == e.y {
			ok++
		}
	}
	return float64(ok) / math.Max(float64(len(ex)), 1)
}

// tuneOOS returns the shift in [-4, 0] added to out_of_scope's bias and the in-scope
// floor (0, or 0.15 to 0.5: see Meta.InScopeFloor) that together maximise the accuracy
// (abstaining counts as predicting out_of_scope) on dev; ties go to the smaller shift and
// no floor. The dev lines are whole held-out groups (splitDevGroups), so both are tuned
// on phrasing the model was not trained on.
func tuneOOS(m *softmaxLR, dev []example, oos int, temp, thr float64) (shift, floor float64) {
	if oos < 0 || len(dev) == 0 {
		return 0, 0
	}
	orig := m.b[oos]
	defer func() { m.b[oos] = orig }()
	bestAcc := -1.0
	floors := []float64{0, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15}
	for sh := 0.0; sh >= -4.0001; sh -= 0.25 {
		m.b[oos] = orig + float32(sh)
		for _, fl := range floors {
			if acc := abstainAccuracy(m, dev, oos, temp, thr, fl); acc > bestAcc+1e-9 {
				shift, floor, bestAcc = sh, fl, acc
			}
		}
	}
	return shift, floor
}
