package emotion

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Tests that predict transfer, built from one corpus. RAVDESS grouped cross-validation
// alone flatters: every actor says the same two sentences in every emotion, at two
// intensities, in one studio. Each test below withholds one of those regularities from
// training, so its score says how much the model leans on it:
//
//	cv          speaker-grouped k-fold cross-validation (the usual figure)
//	statement   train on statement 1, test on statement 2 of held-out speakers (lexical)
//	intensity   train on normal intensity, test on strong intensity of held-out speakers
//	sex m→f     train on the male speakers, test on the female ones (and f→m)
//
// Each is scored clean and through the evaluation telephone channel, with and without the
// per-caller baseline. The cross-validation models are also scored on conditions the
// augmentation never draws: AMR-NB at 4.75 kbit/s, babble noise at 10 dB SNR, and 1 s clips.

// dataset is a corpus with its features under every condition a run needs.
type dataset struct {
	items      []Item
	feats      map[Condition][][]float64
	labels     func(string) int
	trainConds []Condition
	seed       int64
}

// trainConditions are the renderings of each training file: clean plus the augmentation.
func trainConditions(p TrainParams) []Condition {
	c := []Condition{Clean}
	if p.AugV1 {
		return append(c, PhoneAug)
	}
	for k := 0; k < p.AugCopies; k++ {
		c = append(c, Aug0+Condition(k))
	}
	return c
}

func loadDataset(ctx context.Context, items []Item, p TrainParams, test []Condition, o extractOpts) (*dataset, error) {
	d := &dataset{items: items, feats: map[Condition][][]float64{}, labels: (&Model{LabelMap: defaultLabelMap()}).ClassOf,
		trainConds: trainConditions(p), seed: o.seed}
	for _, c := range append(append([]Condition(nil), d.trainConds...), test...) {
		if d.feats[c] != nil {
			continue
		}
		f, err := extractAll(ctx, items, c, o)
		if err != nil {
			return nil, fmt.Errorf("emotion: features (%s): %w", c, err)
		}
		d.feats[c] = f
	}
	return d, nil
}

func (d *dataset) sample(i int, c Condition) sample {
	it := d.items[i]
	return sample{speaker: it.Speaker, class: d.labels(it.Label), high: arousalOf(it.Label), x: d.feats[c][i], cond: c}
}

// trainSamples are the items idx under every training condition.
func (d *dataset) trainSamples(idx []int) []sample {
	var s []sample
	for _, c := range d.trainConds {
		for _, i := range idx {
			s = append(s, d.sample(i, c))
		}
	}
	return s
}

func (d *dataset) testSamples(idx []int, c Condition) []sample {
	s := make([]sample, len(idx))
	for k, i := range idx {
		s[k] = d.sample(i, c)
	}
	return s
}

type split struct{ train, test []int }

// testDef is one transfer test: its splits and the conditions its test side is scored in.
type testDef struct {
	name, about string
	splits      []split
	conds       []Condition
}

// TestReport is the result of one test: Metrics per "condition/baseline" ("clean/off").
type TestReport struct {
	Name    string             `json:"name"`
	About   string             `json:"about"`
	Results map[string]Metrics `json:"results"`
}

// foldSplits is speaker-grouped k-fold, with train and test filtered by predicates.
func foldSplits(items []Item, k int, seed int64, trainOK, testOK func(Item) bool) []split {
	fold := speakerFolds(items, k, seed)
	var out []split
	for f := 0; f < k; f++ {
		var s split
		for i, it := range items {
			if fold[it.Speaker] == f {
				if testOK(it) {
					s.test = append(s.test, i)
				}
			} else if trainOK(it) {
				s.train = append(s.train, i)
			}
		}
		if len(s.train) > 0 && len(s.test) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func all(Item) bool { return true }

// transferTests defines the battery for items: cv always; the others when the manifest
// carries what they split on (text_id, intensity, gender).
func transferTests(items []Item, k int, seed int64, cvConds, conds []Condition, withTransfer bool) []testDef {
	defs := []testDef{{name: "cv", about: fmt.Sprintf("speaker-grouped %d-fold cross-validation", k),
		splits: foldSplits(items, k, seed, all, all), conds: cvConds}}
	if !withTransfer {
		return defs
	}
	texts := map[string]int{}
	for _, it := range items {
		texts[it.TextID]++
	}
	if len(texts) >= 2 {
		ids := make([]string, 0, len(texts))
		for t := range texts {
			ids = append(ids, t)
		}
		sort.Strings(ids)
		a, b := ids[0], ids[1]
		defs = append(defs, testDef{name: "statement", about: fmt.Sprintf("train on text %s, test on text %s of held-out speakers (%d folds)", a, b, k),
			splits: foldSplits(items, k, seed, func(it Item) bool { return it.TextID == a }, func(it Item) bool { return it.TextID == b }), conds: conds})
	}
	defs = append(defs, testDef{name: "intensity", about: fmt.Sprintf("train on normal intensity, test on strong intensity of held-out speakers (%d folds)", k),
		splits: foldSplits(items, k, seed, func(it Item) bool { return it.Intensity == "normal" }, func(it Item) bool { return it.Intensity == "strong" }), conds: conds})
	for _, sx := range [][2]string{{"male", "female"}, {"female", "male"}} {
		var s split
		for i, it := range items {
			switch it.Gender {
			case sx[0]:
				s.train = append(s.train, i)
			case sx[1]:
				s.test = append(s.test, i)
			}
		}
		defs = append(defs, testDef{name: "sex " + sx[0][:1] + "→" + sx[1][:1], about: "train on the " + sx[0] + " speakers, test on the " + sx[1] + " ones",
			splits: []split{s}, conds: conds})
	}
	// Drop tests the manifest cannot support (no intensity or gender column).
	out := defs[:0]
	for _, d := range defs {
		ok := len(d.splits) > 0
		for _, s := range d.splits {
			ok = ok && len(s.train) > 0 && len(s.test) > 0
		}
		if ok {
			out = append(out, d)
		}
	}
	return out
}

// battery is the outcome of runBattery: per test and "condition/baseline" the raw pooled
// predictions, and the temperatures fitted on the cross-validation predictions.
type battery struct {
	raw               map[string]map[string][]scored
	order             []testDef
	tAbs, tRel, tArou float64
}

// runBattery fits one model per split (jobs at a time) and pools the held-out predictions.
func runBattery(ctx context.Context, d *dataset, defs []testDef, p TrainParams, jobs int) (*battery, error) {
	b := &battery{raw: map[string]map[string][]scored{}, order: defs}
	type job struct {
		def  *testDef
		f    int
		part map[string][]scored
	}
	var jobsList []*job
	for i := range defs {
		b.raw[defs[i].name] = map[string][]scored{}
		for f := range defs[i].splits {
			jobsList = append(jobsList, &job{def: &defs[i], f: f})
		}
	}
	if err := parallel(ctx, len(jobsList), jobs, func(i int) {
		j := jobsList[i]
		s := j.def.splits[j.f]
		m := fit(d.trainSamples(s.train), p)
		j.part = map[string][]scored{}
		for _, c := range j.def.conds {
			for _, bl := range []string{"off", "on"} {
				j.part[c.String()+"/"+bl] = predictAll(m, d.testSamples(s.test, c), bl == "on", p.Seed+int64(j.f))
			}
		}
	}); err != nil {
		return nil, err
	}
	for _, j := range jobsList {
		for k, v := range j.part {
			b.raw[j.def.name][k] = append(b.raw[j.def.name][k], v...)
		}
	}
	// Temperatures from the cross-validation predictions, clean and telephone pooled.
	var logAbs, logRel [][NumClasses]float64
	var yAbs, yRel, ya []int
	var al []float64
	for k, res := range b.raw["cv"] {
		if !strings.HasPrefix(k, Clean.String()+"/") && !strings.HasPrefix(k, PhoneEval.String()+"/") {
			continue
		}
		for _, r := range res {
			if r.class < 0 {
				continue
			}
			if strings.HasSuffix(k, "/on") {
				logRel, yRel = append(logRel, r.logp), append(yRel, r.class)
			} else {
				logAbs, yAbs = append(logAbs, r.logp), append(yAbs, r.class)
				h := 0
				if highArousal(r.class) {
					h = 1
				}
				al, ya = append(al, r.alogit), append(ya, h)
			}
		}
	}
	b.tAbs, b.tRel, b.tArou = 1, 1, 1
	if len(yAbs) > 0 {
		b.tAbs, b.tArou = fitTemperature(logAbs, yAbs), fitTemperatureBinary(al, ya)
	}
	if len(yRel) > 0 {
		b.tRel = fitTemperature(logRel, yRel)
	}
	return b, nil
}

// reports scores every test with the fitted temperatures applied.
func (b *battery) reports() []TestReport {
	ref := &Model{Valence: []float64{0.1, -0.7, 0.8, -0.7, -0.6}}
	var out []TestReport
	for _, def := range b.order {
		tr := TestReport{Name: def.name, About: def.about, Results: map[string]Metrics{}}
		for k, res := range b.raw[def.name] {
			t := b.tAbs
			if strings.HasSuffix(k, "/on") {
				t = b.tRel
			}
			tr.Results[k] = score(calibrate(ref, res, t, b.tArou))
		}
		out = append(out, tr)
	}
	return out
}
