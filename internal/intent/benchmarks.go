package intent

import (
	"context"
	"math"
	"path/filepath"
	"sort"
)

// benchmarks trains and scores models on the public corpora's own label sets.
func benchmarks(ctx context.Context, cfg trainConfig, fz *featurizer, p trainParams, scores map[string]float64, log func(string, ...any)) error {
	// Banking77: 77 labels, official train/test.
	tr, err := readBanking77(filepath.Join(cfg.data, "banking77", "train.csv"))
	if err != nil {
		return err
	}
	te, err := readBanking77(filepath.Join(cfg.data, "banking77", "test.csv"))
	if err != nil {
		return err
	}
	labels := labelSet(tr)
	m := trainSoftmax(rawExamples(fz, tr, labels), len(labels), cfg.dim, p)
	acc := accuracy(m, rawExamples(fz, te, labels))
	scores["banking77_test_accuracy"] = acc
	log("Banking77 (77 labels): test accuracy %.4f on %d", acc, len(te))
	if err := ctx.Err(); err != nil {
		return err
	}
	// CLINC150: 150 intents + oos as a class, temperature and threshold on val, scored on test.
	cl, err := readCLINC(filepath.Join(cfg.data, "clinc150", "data_full.json"))
	if err != nil {
		return err
	}
	mark := func(ss []Sample) []Sample {
		out := make([]Sample, len(ss))
		for i, s := range ss {
			s.Labels = []string{OutOfScope}
			out[i] = s
		}
		return out
	}
	ctr := append(append([]Sample{}, cl["train"]...), mark(cl["oos_train"])...)
	cval := append(append([]Sample{}, cl["val"]...), mark(cl["oos_val"])...)
	cte := append(append([]Sample{}, cl["test"]...), mark(cl["oos_test"])...)
	labels = labelSet(ctr)
	oos := indexOf(labels, OutOfScope)
	m = trainSoftmax(rawExamples(fz, ctr, labels), len(labels), cfg.dim, p)
	temp, thr, _, _ := calibrate(m, rawExamples(fz, cval, labels), oos)
	inAcc, oosRec := oosScores(m, rawExamples(fz, cte, labels), oos, temp, thr)
	scores["clinc150_in_scope_accuracy"], scores["clinc150_oos_recall"] = inAcc, oosRec
	log("CLINC150 (150 + oos, threshold %.2f from val): test in-scope accuracy %.4f, out-of-scope recall %.4f", thr, inAcc, oosRec)
	inAcc0, oosRec0 := oosScores(m, rawExamples(fz, cte, labels), oos, temp, 0)
	scores["clinc150_in_scope_accuracy_no_threshold"], scores["clinc150_oos_recall_no_threshold"] = inAcc0, oosRec0
	log("CLINC150 (oos as a class only, no threshold): test in-scope accuracy %.4f, out-of-scope recall %.4f", inAcc0, oosRec0)
	return nil
}

func labelSet(ss []Sample) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s.Labels[0]] {
			seen[s.Labels[0]] = true
			out = append(out, s.Labels[0])
		}
	}
	sort.Strings(out)
	return out
}

func rawExamples(fz *featurizer, ss []Sample, labels []string) []example {
	out := make([]example, 0, len(ss))
	for _, s := range ss {
		if y := indexOf(labels, s.Labels[0]); y >= 0 {
			x, _ := fz.extract(s.Text)
			out = append(out, example{x: x, y: y, w: 1})
		}
	}
	return out
}

func accuracy(m *softmaxLR, ex []example) float64 {
	z := make([]float64, m.C)
	ok := 0
	for _, e := range ex {
		m.logits(e.x, z)
		if argmax(z, -1) == e.y {
			ok++
		}
	}
	return float64(ok) / math.Max(float64(len(ex)), 1)
}
