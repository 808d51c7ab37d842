package emotion

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type cliOpts struct {
	corpora   multiFlag
	out       string
	folds     int
	model     string
	telephone bool
	json      bool
	baseline  string
	seed      int64
	jobs      int
	cache     string
	card      string
	l2        float64
	hidden    int
}

func parseFlags(name string, args []string, stdout io.Writer) (*cliOpts, error) {
	o := &cliOpts{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Var(&o.corpora, "corpus", "corpus folder with manifest.csv and wav/ (repeatable)")
	fs.StringVar(&o.out, "out", "", "train: write the model JSON here (and the card beside it as .md)")
	fs.IntVar(&o.folds, "folds", 0, "train: speaker-grouped cross-validation folds to report first (0: none)")
	fs.StringVar(&o.model, "model", "", "eval: model file (default: the shipped model)")
	fs.BoolVar(&o.telephone, "telephone", false, "eval: pass the audio through the simulated telephone channel")
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
	fs.StringVar(&o.baseline, "baseline", "on", "use the per-caller baseline: on|off")
	fs.Int64Var(&o.seed, "seed", 1, "seed for folds, augmentation and stream order")
	fs.IntVar(&o.jobs, "jobs", runtime.GOMAXPROCS(0), "feature-extraction workers")
	fs.StringVar(&o.cache, "cache", "", "folder to cache extracted features in (optional)")
	fs.StringVar(&o.card, "card", "", "train: provenance card path (default: --out with .md)")
	fs.Float64Var(&o.l2, "l2", DefaultTrainParams.L2, "train: L2 penalty")
	fs.IntVar(&o.hidden, "hidden", DefaultTrainParams.Hidden, "train: tanh hidden units (0: logistic regression)")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("emotion %s: %w: %w", name, ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("emotion %s: unexpected argument %q: %w", name, fs.Arg(0), ErrUsage)
	}
	if len(o.corpora) == 0 {
		return nil, fmt.Errorf("emotion %s: at least one --corpus is needed: %w", name, ErrUsage)
	}
	if o.baseline != "on" && o.baseline != "off" {
		return nil, fmt.Errorf("emotion %s: --baseline %q, want on or off: %w", name, o.baseline, ErrUsage)
	}
	return o, nil
}

func readCorpora(dirs []string) ([]Item, error) {
	var all []Item
	for _, d := range dirs {
		it, err := ReadCorpus(d)
		if err != nil {
			return nil, err
		}
		all = append(all, it...)
	}
	return all, nil
}

func makeSamples(items []Item, feats [][]float64, c Condition, labels func(string) int) []sample {
	s := make([]sample, len(items))
	for i, it := range items {
		s[i] = sample{speaker: it.Speaker, class: labels(it.Label), x: feats[i], cond: c}
	}
	return s
}

// TrainCommand implements `undertone train --emotion`: --corpus DIR (repeatable),
// --out FILE, --folds K (speaker-grouped CV scores first), --seed, --json.
// The shipped model is trained on all the data; its temperatures come from the
// out-of-fold predictions when --folds ≥ 2.
func TrainCommand(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags("train", args, stdout)
	if err != nil {
		return err
	}
	items, err := readCorpora(o.corpora)
	if err != nil {
		return err
	}
	start := time.Now()
	labels := (&Model{LabelMap: defaultLabelMap()}).ClassOf
	clean, err := extractAll(ctx, items, Clean, o.seed, o.jobs, o.cache)
	if err != nil {
		return err
	}
	aug, err := extractAll(ctx, items, PhoneAug, o.seed, o.jobs, o.cache)
	if err != nil {
		return err
	}
	train := append(makeSamples(items, clean, Clean, labels), makeSamples(items, aug, PhoneAug, labels)...)
	extractS := time.Since(start).Seconds()
	p := DefaultTrainParams
	p.Seed, p.L2, p.Hidden = o.seed, o.l2, o.hidden

	var cv *cvReport
	if o.folds >= 2 {
		phone, err := extractAll(ctx, items, PhoneEval, o.seed, o.jobs, o.cache)
		if err != nil {
			return err
		}
		cv, err = crossValidate(ctx, items, clean, aug, phone, labels, o.folds, p)
		if err != nil {
			return err
		}
		if !o.json {
			cv.write(stdout)
		}
	}
	m := fit(train, p)
	if cv != nil {
		m.Absolute.Temperature = cv.tempAbs
		m.Relative.Temperature = cv.tempRel
	}
	m.Card = Card{
		Corpus:  corpusNames(o.corpora),
		Licence: "Trained on RAVDESS (Livingstone & Russo 2018), CC BY-NC-SA 4.0: this model inherits the non-commercial, share-alike terms.",
		Date:    time.Now().UTC().Format(time.RFC3339),
		Command: "undertone train --emotion " + strings.Join(cardArgs(args), " "),
		Seed:    o.seed,
		N:       len(items),
		Notes: []string{
			"labels: calm→neutral; disgust, surprised, boredom not trained or scored (their audio feeds the baseline)",
			"training audio: clean + one telephone-channel copy per file (300–3400 Hz band-pass, 8 kHz, G.711 µ-law, white noise 12–35 dB SNR per file, gain −24…−3 dB per speaker); --telephone evaluation: the same channel at −12 dB, 25 dB SNR",
			"level: every functional is level-invariant except level_db (median active dBFS), which enters only relative to the caller's baseline",
			classifierNote(p),
			"arousal/valence: Σ p(class)·circumplex coordinate of the class",
		},
	}
	if cv != nil {
		m.Card.Scores = cv.scores()
	}
	if o.out != "" {
		if err := writeModel(m, o.out, o.card); err != nil {
			return err
		}
	}
	if o.json {
		out := map[string]any{"n": len(items), "model": o.out}
		if cv != nil {
			out["cv"] = cv.results
			out["scores"] = cv.scores()
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "trained on %d files (%d speakers) in %.1fs (features %.1fs)", len(items), countSpeakers(items), time.Since(start).Seconds(), extractS)
	if o.out != "" {
		fmt.Fprintf(stdout, "; wrote %s", o.out)
	}
	fmt.Fprintln(stdout)
	return nil
}

func corpusNames(dirs []string) []string {
	var n []string
	for _, d := range dirs {
		n = append(n, filepath.Base(filepath.Clean(d)))
	}
	return n
}

func countSpeakers(items []Item) int {
	s := map[string]bool{}
	for _, it := range items {
		s[it.Speaker] = true
	}
	return len(s)
}

func writeModel(m *Model, path, card string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("emotion: encode model: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("emotion: write model: %w", err)
	}
	if card == "" {
		card = strings.TrimSuffix(path, filepath.Ext(path)) + ".md"
	}
	if err := os.WriteFile(card, []byte(renderCard(m, filepath.Base(path))), 0o644); err != nil {
		return fmt.Errorf("emotion: write card: %w", err)
	}
	return nil
}

func renderCard(m *Model, file string) string {
	var b strings.Builder
	c := m.Card
	fmt.Fprintf(&b, "# %s — provenance card\n\n", file)
	fmt.Fprintf(&b, "- format: %s v%d, feature set %s (%d functionals), classes %s\n", m.Format, m.Version, m.FeatureSet, len(m.Features), strings.Join(m.Classes, ", "))
	fmt.Fprintf(&b, "- corpus: %s (%d files)\n- licence: %s\n- date: %s\n- command: `%s` (seed %d)\n", strings.Join(c.Corpus, ", "), c.N, c.Licence, c.Date, c.Command, c.Seed)
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	fmt.Fprintf(&b, "- temperatures: absolute %.3f, relative %.3f; baseline prior k=%.1f\n", m.Absolute.Temperature, m.Relative.Temperature, m.BaselinePrior)
	if len(c.Scores) > 0 {
		b.WriteString("\n## Speaker-grouped cross-validation (no speaker in both train and test)\n\n| score | value |\n|---|---|\n")
		keys := make([]string, 0, len(c.Scores))
		for k := range c.Scores {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "| %s | %.3f |\n", k, c.Scores[k])
		}
	}
	return b.String()
}

// EvalCommand implements `undertone eval --emotion`: --model FILE (default: shipped),
// --corpus DIR (repeatable), --telephone, --baseline on|off, --json, --seed.
//
// Corpus labels are mapped with the model's label map (calm → neutral; disgust,
// surprised, boredom skipped); UAR averages the recalls of the product classes present.
// With --baseline on, each speaker's files are one stream in a seeded shuffled order and
// every prediction sees only that speaker's earlier files. --json prints one object:
// n, uar, accuracy, per_class {class: recall}, confusion {truth: {predicted: count}},
// arousal_auc (angry+happy+fearful vs neutral+sad; null when a group is absent), classes.
func EvalCommand(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags("eval", args, stdout)
	if err != nil {
		return err
	}
	var m *Model
	if o.model != "" {
		m, err = Load(o.model)
	} else {
		m, err = LoadDefault()
	}
	if err != nil {
		return err
	}
	items, err := readCorpora(o.corpora)
	if err != nil {
		return err
	}
	c := Clean
	if o.telephone {
		c = PhoneEval
	}
	feats, err := extractAll(ctx, items, c, o.seed, o.jobs, o.cache)
	if err != nil {
		return err
	}
	res := predictAll(m, makeSamples(items, feats, c, m.ClassOf), o.baseline == "on", o.seed)
	met := score(res)
	if met.N == 0 {
		return fmt.Errorf("emotion eval: no file has a label that maps to %s: %w", strings.Join(Classes, ", "), ErrCorpus)
	}
	if o.json {
		return json.NewEncoder(stdout).Encode(met)
	}
	met.Write(stdout, fmt.Sprintf("%s, %s, baseline %s", strings.Join(corpusNames(o.corpora), "+"), c, o.baseline))
	return nil
}

// cvReport holds the out-of-fold results of crossValidate.
type cvReport struct {
	results          map[string]Metrics // "clean/off", "clean/on", "telephone/off", "telephone/on"
	tempAbs, tempRel float64
	folds            int
}

func (r *cvReport) scores() map[string]float64 {
	s := map[string]float64{}
	for k, m := range r.results {
		k = strings.ReplaceAll(k, "/", "_baseline_")
		s["uar_"+k] = m.UAR
		if m.ArousalAUC != nil {
			s["arousal_auc_"+k] = *m.ArousalAUC
		}
		for c, v := range m.PerClass {
			s["recall_"+c+"_"+k] = v
		}
	}
	return s
}

func (r *cvReport) write(w io.Writer) {
	for _, k := range []string{"clean/off", "clean/on", "telephone/off", "telephone/on"} {
		r.results[k].Write(w, fmt.Sprintf("CV %d folds %s", r.folds, strings.Replace(k, "/", ", baseline ", 1)))
	}
	fmt.Fprintf(w, "temperatures: absolute %.3f relative %.3f\n", r.tempAbs, r.tempRel)
}

// speakerFolds assigns speakers to k folds, stratified by gender, shuffled by seed.
func speakerFolds(items []Item, k int, seed int64) map[string]int {
	gender := map[string]string{}
	for _, it := range items {
		gender[it.Speaker] = it.Gender
	}
	spk := make([]string, 0, len(gender))
	for s := range gender {
		spk = append(spk, s)
	}
	sort.Strings(spk)
	r := newRand(seed)
	r.Shuffle(len(spk), func(a, b int) { spk[a], spk[b] = spk[b], spk[a] })
	sort.SliceStable(spk, func(a, b int) bool { return gender[spk[a]] < gender[spk[b]] })
	f := map[string]int{}
	for i, s := range spk {
		f[s] = i % k
	}
	return f
}

// crossValidate trains on k−1 speaker groups (clean + telephone augmentation) and scores
// the held-out speakers clean and through the evaluation telephone channel, with and
// without the per-caller baseline.
func crossValidate(ctx context.Context, items []Item, clean, aug, phone [][]float64, labels func(string) int, k int, p TrainParams) (*cvReport, error) {
	if n := countSpeakers(items); n < k {
		return nil, fmt.Errorf("emotion: %d folds but %d speakers: %w", k, n, ErrUsage)
	}
	fold := speakerFolds(items, k, p.Seed)
	sets := map[string][]scored{}
	var logAbs, logRel [][NumClasses]float64
	var yAbs, yRel []int
	for f := 0; f < k; f++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var tr, teClean, tePhone []sample
		for i, it := range items {
			c := labels(it.Label)
			if fold[it.Speaker] == f {
				teClean = append(teClean, sample{it.Speaker, c, clean[i], Clean})
				tePhone = append(tePhone, sample{it.Speaker, c, phone[i], PhoneEval})
				continue
			}
			tr = append(tr, sample{it.Speaker, c, clean[i], Clean}, sample{it.Speaker, c, aug[i], PhoneAug})
		}
		m := fit(tr, p)
		for _, set := range []struct {
			name string
			s    []sample
		}{{"clean", teClean}, {"telephone", tePhone}} {
			for _, bl := range []string{"off", "on"} {
				res := predictAll(m, set.s, bl == "on", p.Seed+int64(f))
				sets[set.name+"/"+bl] = append(sets[set.name+"/"+bl], res...)
				for _, r := range res {
					if r.class < 0 {
						continue
					}
					var l [NumClasses]float64
					for c, q := range r.p.Probs {
						l[c] = math.Log(q + 1e-300)
					}
					if bl == "on" {
						logRel, yRel = append(logRel, l), append(yRel, r.class)
					} else {
						logAbs, yAbs = append(logAbs, l), append(yAbs, r.class)
					}
				}
			}
		}
	}
	rep := &cvReport{results: map[string]Metrics{}, folds: k}
	for name, res := range sets {
		rep.results[name] = score(res)
	}
	rep.tempAbs = fitTemperature(logAbs, yAbs)
	rep.tempRel = fitTemperature(logRel, yRel)
	return rep, nil
}

func classifierNote(p TrainParams) string {
	c := "multinomial logistic regression"
	if p.Hidden > 0 {
		c = fmt.Sprintf("one-hidden-layer tanh MLP (%d units)", p.Hidden)
	}
	rel := "z − baseline mean"
	if p.BaselineScale {
		rel = "(z − baseline mean) / baseline sd"
	}
	return fmt.Sprintf("classifier: class-balanced %s, L2 %g, L-BFGS ≤ %d iterations, on standardised functionals z; an absolute head (baseline off) and a baseline-relative head on [z, %s] with the shrunk running statistics of the caller's earlier utterances (prior k=%g; built in training exactly as in a call, %d shuffled orders per speaker and channel); temperatures fitted on the out-of-fold predictions", c, p.L2, p.Iterations, rel, p.BaselinePrior, p.Orders)
}

// cardArgs drops the flags that do not change the model (workers, cache) from the
// command recorded in the card.
func cardArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		if name == "jobs" || name == "cache" {
			if !strings.Contains(a, "=") {
				i++
			}
			continue
		}
		out = append(out, a)
	}
	return out
}
