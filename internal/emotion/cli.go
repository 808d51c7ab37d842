package emotion

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	condition string
	json      bool
	baseline  string
	seed      int64
	jobs      int
	cache     string
	card      string
	l2        float64
	hidden    int
	transfer  bool
	aug       string
	augCopies int
	band      string
	calmGate  string
	orders    int
	licence   string
	ablation  string
	row       string
	codecs    string
	relOnly   string
	augPitch  float64
}

func parseFlags(name string, args []string, stdout io.Writer) (*cliOpts, error) {
	o := &cliOpts{}
	d := DefaultTrainParams
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Var(&o.corpora, "corpus", "corpus folder with manifest.csv and wav/ (repeatable)")
	fs.StringVar(&o.out, "out", "", "train: write the model JSON here (and the card beside it as .md)")
	fs.IntVar(&o.folds, "folds", 0, "train: speaker-grouped cross-validation folds to report first (0: none)")
	fs.BoolVar(&o.transfer, "transfer", false, "train: with --folds, also run the transfer and stress tests (statement, intensity, sex, held-out codec and noise, 1 s clips)")
	fs.StringVar(&o.model, "model", "", "eval: model file (default: the shipped model)")
	fs.BoolVar(&o.telephone, "telephone", false, "eval: pass the audio through the simulated telephone channel (same as --condition phone-eval)")
	fs.StringVar(&o.condition, "condition", "", "eval: clean, phone-eval, amr-nb, babble or short")
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
	fs.StringVar(&o.baseline, "baseline", "on", "use the per-caller baseline: on|off")
	fs.Int64Var(&o.seed, "seed", 1, "seed for folds, augmentation and stream order")
	fs.IntVar(&o.jobs, "jobs", runtime.GOMAXPROCS(0), "workers for feature extraction and fold fitting")
	fs.StringVar(&o.cache, "cache", "", "folder to cache extracted features in (optional)")
	fs.StringVar(&o.card, "card", "", "train: provenance card path (default: --out with .md)")
	fs.Float64Var(&o.l2, "l2", d.L2, "train: L2 penalty")
	fs.IntVar(&o.hidden, "hidden", d.Hidden, "train: tanh hidden units (0: logistic regression)")
	fs.StringVar(&o.aug, "aug", "chain", "train: augmentation: chain, v1 (one telephone copy) or none")
	fs.IntVar(&o.augCopies, "aug-copies", d.AugCopies, "train: augmented copies per file (--aug chain)")
	fs.Float64Var(&o.augPitch, "aug-pitch", DefaultPitchRange, "train: ± semitones of the chain's pitch perturbation (with formants, by resampling)")
	fs.StringVar(&o.band, "band", "wide", "train: front end: wide, or phone (300–3400 Hz band-pass before the features)")
	fs.StringVar(&o.calmGate, "calm-gate", "on", "train: the baseline learns only from calm utterances: on|off")
	fs.IntVar(&o.orders, "orders", d.Orders, "train: shuffled orders per speaker stream for the relative head")
	fs.StringVar(&o.licence, "licence", "", "train: licence of the training corpora when a corpus folder has no LICENCE file and is not a known corpus")
	fs.StringVar(&o.ablation, "ablation", "", "train: JSON-lines file of ablation rows (from --row) to carry into the card")
	fs.StringVar(&o.relOnly, "speaker-relative", "", "train: comma-separated groups of speaker-dependent functionals used only relative to the caller's baseline: pitch, formants")
	fs.StringVar(&o.codecs, "codecs", "all", "all: use opus-tools (augmentation) and sox AMR-NB (held-out test) when installed; builtin: G.711 only (reproducible anywhere)")
	fs.StringVar(&o.row, "row", "", "train: with --transfer, end the output with one ablation row named ROW as a JSON line")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("emotion %s: %w: %w", name, ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("emotion %s: unexpected argument %q: %w", name, fs.Arg(0), ErrUsage)
	}
	if len(o.corpora) == 0 {
		return nil, fmt.Errorf("emotion %s: at least one --corpus is needed: %w", name, ErrUsage)
	}
	for _, g := range strings.Split(o.relOnly, ",") {
		if g != "" && g != "pitch" && g != "formants" {
			return nil, fmt.Errorf("emotion %s: --speaker-relative %q, want pitch and/or formants: %w", name, g, ErrUsage)
		}
	}
	for flagName, v := range map[string][2]string{"baseline": {o.baseline, "on off"}, "calm-gate": {o.calmGate, "on off"},
		"aug": {o.aug, "chain v1 none"}, "band": {o.band, "wide phone"}, "codecs": {o.codecs, "all builtin"}} {
		if !strings.Contains(" "+v[1]+" ", " "+v[0]+" ") {
			return nil, fmt.Errorf("emotion %s: --%s %q, want one of %s: %w", name, flagName, v[0], v[1], ErrUsage)
		}
	}
	return o, nil
}

// params are the training parameters the flags ask for.
func (o *cliOpts) params() TrainParams {
	p := DefaultTrainParams
	p.Seed, p.L2, p.Hidden, p.Orders = o.seed, o.l2, o.hidden, o.orders
	p.AugCopies, p.AugPitch = o.augCopies, o.augPitch
	switch o.aug {
	case "v1":
		p.AugV1 = true
	case "none":
		p.AugCopies = 0
	}
	if o.band == "phone" {
		p.Band = BandPhone
	}
	p.NoCalmGate = o.calmGate == "off"
	if o.relOnly != "" {
		p.SpeakerRelative = strings.Split(o.relOnly, ",")
	}
	return p
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

// TrainCommand implements `undertone train --emotion`: --corpus DIR (repeatable, any
// corpus in the manifest format), --out FILE, --folds K (speaker-grouped CV scores first),
// --transfer (the transfer and stress tests too), --licence, --seed, --json; see
// parseFlags for the rest. The model is trained on all the data; its temperatures come
// from the out-of-fold predictions when --folds ≥ 2.
func TrainCommand(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags("train", args, stdout)
	if err != nil {
		return err
	}
	items, err := readCorpora(o.corpora)
	if err != nil {
		return err
	}
	corpora, licence, err := corpusLicences(o.corpora, items, o.licence)
	if err != nil {
		return err
	}
	var rows []AblationRow
	if o.ablation != "" {
		if rows, err = readAblation(o.ablation); err != nil {
			return err
		}
	}
	start := time.Now()
	p := o.params()
	conds := []Condition{Clean, PhoneEval}
	cvConds := slices.Clone(conds)
	var skipped []string
	if o.transfer {
		if o.codecs == "all" && AMRAvailable() {
			cvConds = append(cvConds, HeldCodec)
		} else {
			skipped = append(skipped, "held-out codec (AMR-NB): sox with amr-nb not used (--codecs builtin or not installed)")
		}
		cvConds = append(cvConds, HeldNoise, Short)
	}
	var evalConds []Condition
	if o.folds >= 2 {
		evalConds = cvConds
	}
	xo := extractOpts{seed: o.seed, band: p.Band, jobs: o.jobs, cache: o.cache, external: o.codecs == "all", augPitch: p.AugPitch}
	d, err := loadDataset(ctx, items, p, evalConds, xo)
	if err != nil {
		return err
	}
	extractS := time.Since(start).Seconds()
	var bat *battery
	var reports []TestReport
	if o.folds >= 2 {
		if n := countSpeakers(items); n < o.folds {
			return fmt.Errorf("emotion: %d folds but %d speakers: %w", o.folds, n, ErrUsage)
		}
		defs := transferTests(items, o.folds, o.seed, cvConds, conds, o.transfer)
		if bat, err = runBattery(ctx, d, defs, p, o.jobs); err != nil {
			return err
		}
		reports = bat.reports()
		if !o.json {
			writeReports(stdout, reports, bat)
		}
	}
	all := make([]int, len(items))
	for i := range all {
		all[i] = i
	}
	m := fit(d.trainSamples(all), p)
	if bat != nil {
		m.Absolute.Temperature, m.Relative.Temperature, m.ArousalHead.Temperature = bat.tAbs, bat.tRel, bat.tArou
	}
	m.Card = Card{
		Corpus:   corpusNames(o.corpora),
		Corpora:  corpora,
		Licence:  licence,
		Date:     time.Now().UTC().Format(time.RFC3339),
		Command:  "undertone train --emotion " + strings.Join(cardArgs(args), " "),
		Seed:     o.seed,
		N:        len(items),
		Notes:    trainNotes(p, xo.external && OpusAvailable(), skipped),
		Tests:    reports,
		Ablation: rows,
	}
	if len(reports) > 0 {
		m.Card.Scores = cvScores(reports[0])
	}
	if o.out != "" {
		if err := writeModel(m, o.out, o.card); err != nil {
			return err
		}
	}
	switch {
	case o.row != "":
		return json.NewEncoder(stdout).Encode(ablationRow(o.row, reports, time.Since(start)))
	case o.json:
		out := map[string]any{"n": len(items), "model": o.out, "tests": reports}
		if len(reports) > 0 {
			out["scores"] = m.Card.Scores
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

func trainNotes(p TrainParams, opus bool, skipped []string) []string {
	aug := fmt.Sprintf("training audio: each file clean plus %d copies through the augmentation chain (1–6 s crops, pitch and formants ±%g semitones by resampling, tempo ×0.85–1.15 by WSOLA, synthetic rooms RT60 0.15–0.7 s, white/pink/brown noise 5–30 dB SNR, AGC, line: wideband, 300–3400 Hz, G.711 µ-law or A-law, %s; level −24…−3 dB per speaker)",
		p.AugCopies, p.AugPitch, map[bool]string{true: "Opus 6–16 kbit/s (opus-tools)", false: "no Opus (--codecs builtin or opus-tools not installed: G.711 instead)"}[opus])
	switch {
	case p.AugV1:
		aug = "training audio: clean + one telephone-channel copy per file (300–3400 Hz band-pass, 8 kHz, G.711 µ-law, white noise 12–35 dB SNR per file, gain −24…−3 dB per speaker)"
	case p.AugCopies == 0:
		aug = "training audio: clean only"
	}
	band := "front end: the audio as received"
	if p.Band == BandPhone {
		band = "front end: 300–3400 Hz band-pass before the features, so wideband and telephone audio look alike"
	}
	gate := fmt.Sprintf("baseline: learned only from utterances the arousal head calls calm (arousal ≤ %g), a mean of the first ones shrunk towards the population (k=%g), then an EMA over %g calm utterances", p.Calm, p.BaselinePrior, p.BaselineWindow)
	if p.NoCalmGate {
		gate = "baseline: every earlier utterance (format v1 behaviour)"
	}
	n := []string{
		"labels: calm→neutral; disgust, surprised, boredom not trained or scored as classes (their audio feeds the baseline; surprised counts as high arousal for the arousal head)",
		aug, band,
		relNote(p),
		classifierNote(p), gate,
		"arousal: a class-balanced logistic head, high (angry, happy, fearful, surprised) vs low (neutral, calm, sad), on the absolute features only; arousal = 2·p(high) − 1; valence: Σ p(class)·circumplex valence of the class",
		"evaluation telephone channel (phone-eval): 300–3400 Hz, 8 kHz G.711 µ-law, −12 dB, white noise 25 dB SNR; held out of training: AMR-NB 4.75 kbit/s (amr-nb), four-talker babble at 10 dB SNR before that channel (babble), 1 s clips (short)",
	}
	for _, s := range skipped {
		n = append(n, "not run: "+s)
	}
	return n
}

func relNote(p TrainParams) string {
	s := "level: every functional is level-invariant except level_db (median active dBFS), which enters only relative to the caller's baseline"
	if len(p.SpeakerRelative) > 0 {
		s += "; so do the speaker-dependent " + strings.Join(p.SpeakerRelative, " and ") + " levels (means and percentiles; their spread, slopes and deltas enter as they are)"
	}
	return s
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

// EvalCommand implements `undertone eval --emotion`: --model FILE (default: shipped),
// --corpus DIR (repeatable), --telephone or --condition C, --baseline on|off, --json, --seed.
//
// Corpus labels are mapped with the model's label map (calm → neutral; disgust,
// surprised, boredom skipped); UAR averages the recalls of the product classes present.
// With --baseline on, each speaker's files are one stream in a seeded shuffled order and
// every prediction sees only that speaker's earlier calm files. --json prints one object:
// n, uar, accuracy, per_class {class: recall}, confusion {truth: {predicted: count}},
// arousal_auc (angry+happy+fearful vs neutral+sad; null when a group is absent), classes,
// ece, shown, shown_accuracy.
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
	if o.condition != "" {
		c = -1
		for _, k := range []Condition{Clean, PhoneEval, HeldCodec, HeldNoise, Short} {
			if k.String() == o.condition {
				c = k
			}
		}
		if c < 0 {
			return fmt.Errorf("emotion eval: --condition %q, want clean, phone-eval, amr-nb, babble or short: %w", o.condition, ErrUsage)
		}
	}
	if c == HeldCodec && !AMRAvailable() {
		return fmt.Errorf("emotion eval: --condition amr-nb needs sox with AMR-NB (libsox-fmt-all): %w", ErrUsage)
	}
	feats, err := extractAll(ctx, items, c, extractOpts{seed: o.seed, band: m.Band, jobs: o.jobs, cache: o.cache})
	if err != nil {
		return err
	}
	s := make([]sample, len(items))
	for i, it := range items {
		s[i] = sample{speaker: it.Speaker, class: m.ClassOf(it.Label), high: arousalOf(it.Label), x: feats[i], cond: c}
	}
	met := score(predictAll(m, s, o.baseline == "on", o.seed))
	if met.N == 0 {
		return fmt.Errorf("emotion eval: no file has a label that maps to %s: %w", strings.Join(Classes, ", "), ErrCorpus)
	}
	if o.json {
		return json.NewEncoder(stdout).Encode(met)
	}
	met.Write(stdout, fmt.Sprintf("%s, %s, baseline %s", strings.Join(corpusNames(o.corpora), "+"), c, o.baseline))
	return nil
}

// cvScores flattens the cross-validation report into the card's score map
// ("uar_clean_baseline_on", …), clean and telephone.
func cvScores(r TestReport) map[string]float64 {
	s := map[string]float64{}
	for k, m := range r.Results {
		cond, bl, _ := strings.Cut(k, "/")
		if cond == PhoneEval.String() {
			cond = "telephone"
		}
		k = cond + "_baseline_" + bl
		s["uar_"+k] = m.UAR
		if m.ArousalAUC != nil {
			s["arousal_auc_"+k] = *m.ArousalAUC
		}
		s["ece_"+k] = m.ECE
		for c, v := range m.PerClass {
			s["recall_"+c+"_"+k] = v
		}
	}
	return s
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

func classifierNote(p TrainParams) string {
	c := "multinomial logistic regression"
	if p.Hidden > 0 {
		c = fmt.Sprintf("one-hidden-layer tanh MLP (%d units)", p.Hidden)
	}
	rel := "z − baseline mean"
	if p.BaselineScale {
		rel = "(z − baseline mean) / baseline sd"
	}
	return fmt.Sprintf("classifier: class-balanced %s, L2 %g, L-BFGS ≤ %d iterations, on standardised functionals z; an absolute head (baseline off) and a baseline-relative head on [z, %s] with the caller's baseline built in training exactly as in a call (%d shuffled order(s) per speaker and rendering); temperatures fitted on the out-of-fold predictions", c, p.L2, p.Iterations, rel, p.Orders)
}

// cardArgs drops the flags that do not change the model (workers, cache, ablation rows)
// from the command recorded in the card.
func cardArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		if name == "jobs" || name == "cache" || name == "ablation" || name == "row" {
			if !strings.Contains(a, "=") {
				i++
			}
			continue
		}
		out = append(out, a)
	}
	return out
}
