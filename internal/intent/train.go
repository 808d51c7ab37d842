package intent

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Intents and Needs are the TAXONOMY.md ids, in model order.
var (
	Intents = []string{"billing_question", "unexpected_charge", "payment_problem", "payment_arrangement",
		"refund_request", "cancel_contract", "change_plan", "delivery_status", "appointment",
		"outage_or_fault", "card_lost_or_stolen", "fraud_or_security", "account_access",
		"personal_details", "moving", "claim_status", "complaint", "information_request",
		"speak_to_manager", "thanks_goodbye", OutOfScope}
	Needs = []string{"urgency", "financial_strain", "distrust", "repeat_contact", "churn_risk",
		"vulnerability", "security_worry", "confusion", "recognition"}
)

type trainConfig struct {
	data, out, src, tokenizer string
	dim, epochs               int
	lr, l2, handWeight        float64
	xsidWeight                float64
	oosCap                    int
	benchmarks, jsonOut       bool
}

// TrainCommand implements `undertone train --intent`: it trains the taxonomy intent model
// and need detector from the public corpora in --data plus the hand-written lines in --src,
// tunes calibration and the abstain threshold on held-out data, and writes the model to
// --out. With --benchmarks it also trains and scores separate Banking77 (77 labels) and
// CLINC150 (150 + oos) models on their own label sets.
func TrainCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("train --intent", flag.ContinueOnError)
	fl.SetOutput(stdout)
	var cfg trainConfig
	fl.StringVar(&cfg.data, "corpus", "../shared/data/text", "directory of the text corpora (../shared/data/text)")
	fl.StringVar(&cfg.data, "data", "../shared/data/text", "same as --corpus")
	fl.StringVar(&cfg.out, "out", "models/intent", "model directory to write (a path ending in intent.json names its directory)")
	fl.StringVar(&cfg.src, "src", "models/intent", "directory with labelmap.csv, cues.tsv and the hand-written train_*.csv")
	fl.StringVar(&cfg.tokenizer, "tokenizer", "", "tokenizer.json (default: SRC/tokenizer.json, else CORPUS/tokenizers/bert-base-multilingual-cased/tokenizer.json)")
	fl.IntVar(&cfg.dim, "dim", 1<<17, "hash buckets (power of two)")
	fl.IntVar(&cfg.epochs, "epochs", 6, "training epochs")
	fl.Float64Var(&cfg.lr, "lr", 0.2, "AdaGrad learning rate")
	fl.Float64Var(&cfg.l2, "l2", 1e-5, "L2 regularisation")
	fl.Float64Var(&cfg.handWeight, "hand-weight", 3, "weight of a hand-written line relative to a corpus line")
	fl.Float64Var(&cfg.xsidWeight, "xsid-weight", 1, "weight of an xSID (assistant, out_of_scope) line")
	fl.IntVar(&cfg.oosCap, "oos-cap", 4000, "at most this many English out_of_scope training lines")
	fl.BoolVar(&cfg.benchmarks, "benchmarks", false, "also train and score Banking77-77 and CLINC150 models")
	fl.BoolVar(&cfg.jsonOut, "json", false, "print the scores as JSON")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if cfg.dim <= 0 || cfg.dim&(cfg.dim-1) != 0 {
		return fmt.Errorf("intent: --dim %d is not a power of two", cfg.dim)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("intent: unexpected argument %q", fl.Arg(0))
	}
	cfg.out = modelDir(cfg.out)
	if cfg.tokenizer == "" {
		cfg.tokenizer = filepath.Join(cfg.src, TokenizerFile)
		if _, err := os.Stat(cfg.tokenizer); err != nil {
			cfg.tokenizer = filepath.Join(cfg.data, "tokenizers", "bert-base-multilingual-cased", TokenizerFile)
		}
	}
	start := time.Now()
	tokJSON, err := os.ReadFile(cfg.tokenizer)
	if err != nil {
		return fmt.Errorf("intent: tokenizer: %w", err)
	}
	wp, err := newWordPiece(bytes.NewReader(tokJSON))
	if err != nil {
		return err
	}
	cuesTSV, err := os.ReadFile(filepath.Join(cfg.src, CuesFile))
	if err != nil {
		return fmt.Errorf("intent: cues: %w", err)
	}
	cues, err := parseCues(bytes.NewReader(cuesTSV))
	if err != nil {
		return err
	}
	lm, err := readLabelMap(filepath.Join(cfg.src, "labelmap.csv"))
	if err != nil {
		return err
	}
	corp, err := loadCorpora(cfg.data, lm)
	if err != nil {
		return err
	}
	// Every train_*.csv in --src is hand-written training text; test_*.csv never is.
	handFiles, err := filepath.Glob(filepath.Join(cfg.src, "train_*.csv"))
	if err != nil || len(handFiles) == 0 {
		return fmt.Errorf("intent: no hand-written train_*.csv in %s", cfg.src)
	}
	var hand []Sample
	for _, name := range handFiles {
		ss, err := ReadCSV(name)
		if err != nil {
			return fmt.Errorf("intent: hand-written data: %w", err)
		}
		hand = append(hand, ss...)
	}
	if err := checkNoTestLeak(cfg.src, hand); err != nil {
		return err
	}
	// Hold out every fifth hand-written line for calibration and thresholds.
	var handTrain, handDev []Sample
	for i, s := range hand {
		if i%5 == 2 {
			handDev = append(handDev, s)
		} else {
			handTrain = append(handTrain, s)
		}
	}
	fz := &featurizer{dim: cfg.dim, wp: wp, cues: cues}
	scores := map[string]float64{}
	log := func(format string, a ...any) {
		if !cfg.jsonOut {
			fmt.Fprintf(stdout, format+"\n", a...)
		}
	}
	train := capOOS(corp.train, cfg.oosCap)
	log("corpora: %d train, %d dev; hand-written %d train, %d dev", len(train), len(corp.dev), len(handTrain), len(handDev))
	if err := ctx.Err(); err != nil {
		return err
	}
	p := trainParams{epochs: cfg.epochs, lr: cfg.lr, l2: cfg.l2, seed: 1}
	trEx := toExamples(fz, append(append([]Sample{}, train...), handTrain...), Intents, float32(cfg.handWeight), float32(cfg.xsidWeight))
	devEx := toExamples(fz, append(append([]Sample{}, corp.dev...), handDev...), Intents, float32(cfg.handWeight), float32(cfg.xsidWeight))
	m := trainSoftmax(trEx, len(Intents), cfg.dim, p)
	nm := trainOVR(trEx, len(Needs), cfg.dim, p)
	if err := ctx.Err(); err != nil {
		return err
	}
	oos := indexOf(Intents, OutOfScope)
	temp, thr, inAcc, oosRec := calibrate(m, devEx, oos)
	needThr := tuneNeeds(nm, devEx)
	scores["dev_in_scope_accuracy"], scores["dev_oos_recall"] = inAcc, oosRec
	log("dev: temperature %.2f, abstain below %.2f: in-scope accuracy %.3f, out-of-scope recall %.3f", temp, thr, inAcc, oosRec)
	for _, lang := range []string{"nl", "en"} {
		var ss []Sample
		for _, s := range handDev {
			if s.Lang == lang {
				ss = append(ss, s)
			}
		}
		acc := abstainAccuracy(m, toExamples(fz, ss, Intents, 1, 1), oos, temp, thr)
		scores["dev_hand_"+lang+"_accuracy"] = acc
		log("dev: hand-written %s lines: accuracy %.3f on %d", lang, acc, len(ss))
	}
	// Final fit on train + dev with the tuned calibration.
	all := append(trEx, devEx...)
	m = trainSoftmax(all, len(Intents), cfg.dim, p)
	nm = trainOVR(all, len(Needs), cfg.dim, p)
	if cfg.benchmarks {
		if err := benchmarks(ctx, cfg, fz, p, scores, log); err != nil {
			return err
		}
	}
	meta := Meta{Version: 1, Created: time.Now().UTC().Format(time.RFC3339),
		Command: "undertone train --intent " + strings.Join(args, " "), Dim: cfg.dim,
		Intents: Intents, Needs: Needs, Temperature: temp, Threshold: thr, NeedThresholds: needThr, Scores: scores}
	if err := save(cfg.out, meta, m, nm, tokJSON, cuesTSV); err != nil {
		return fmt.Errorf("intent: save %s: %w", cfg.out, err)
	}
	log("wrote %s in %s", cfg.out, time.Since(start).Round(time.Second))
	if cfg.jsonOut {
		return json.NewEncoder(stdout).Encode(scores)
	}
	return nil
}

// modelDir returns the model directory a --out or --model argument names: the argument
// itself, or the directory of a path to intent.json.
func modelDir(p string) string {
	if strings.HasSuffix(p, ".json") {
		return filepath.Dir(p)
	}
	return p
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// capOOS keeps at most limit English out_of_scope lines (evenly spaced); the rest of the
// corpus is kept as is.
func capOOS(ss []Sample, limit int) []Sample {
	var oos, out []Sample
	for _, s := range ss {
		if s.Intent == OutOfScope && s.Lang == "en" {
			oos = append(oos, s)
		} else {
			out = append(out, s)
		}
	}
	if len(oos) > limit && limit > 0 {
		step := float64(len(oos)) / float64(limit)
		for i := 0; i < limit; i++ {
			out = append(out, oos[int(float64(i)*step)])
		}
	} else {
		out = append(out, oos...)
	}
	return out
}

// toExamples featurises samples; hand-written lines weigh more and carry need labels.
func toExamples(fz *featurizer, ss []Sample, labels []string, handWeight, xsidWeight float32) []example {
	out := make([]example, 0, len(ss))
	for _, s := range ss {
		y := indexOf(labels, s.Intent)
		if y < 0 {
			continue
		}
		x, _ := fz.extract(s.Text)
		ex := example{x: x, y: y, w: 1}
		if strings.HasPrefix(s.Source, "xsid") {
			ex.w = xsidWeight
		}
		if strings.HasPrefix(s.Source, "train_") {
			ex.w, ex.nw = handWeight, handWeight
			ex.needs = make([]bool, len(Needs))
			for _, n := range s.Needs {
				if k := indexOf(Needs, n); k >= 0 {
					ex.needs[k] = true
				}
			}
		}
		out = append(out, ex)
	}
	return out
}

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

// tuneNeeds picks per-need thresholds maximising F1 on the labelled dev lines, within
// [0.3, 0.8] so that a small dev set cannot push them to extremes.
func tuneNeeds(nm *softmaxLR, dev []example) []float64 {
	thr := make([]float64, nm.C)
	z := make([]float64, nm.C)
	type pr struct {
		p float64
		y bool
	}
	per := make([][]pr, nm.C)
	for _, ex := range dev {
		if ex.needs == nil {
			continue
		}
		nm.logits(ex.x, z)
		for n := range z {
			per[n] = append(per[n], pr{1 / (1 + math.Exp(-z[n])), ex.needs[n]})
		}
	}
	for n := range thr {
		thr[n] = 0.5
		bestF := -1.0
		for t := 0.3; t <= 0.801; t += 0.05 {
			var tp, fp, fn float64
			for _, x := range per[n] {
				switch {
				case x.p >= t && x.y:
					tp++
				case x.p >= t:
					fp++
				case x.y:
					fn++
				}
			}
			f := 2 * tp / math.Max(2*tp+fp+fn, 1)
			if f > bestF+1e-9 {
				bestF, thr[n] = f, t
			}
		}
	}
	return thr
}

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

// checkNoTestLeak refuses to train when a hand-written training line also appears in a
// test_*.csv next to it: the test files must stay unseen for their scores to mean anything.
func checkNoTestLeak(src string, train []Sample) error {
	tests, _ := filepath.Glob(filepath.Join(src, "test_*.csv"))
	seen := map[string]bool{}
	for _, s := range train {
		seen[strings.Join(words(s.Text), " ")] = true
	}
	for _, name := range tests {
		ss, err := ReadCSV(name)
		if err != nil {
			return err
		}
		for _, s := range ss {
			if seen[strings.Join(words(s.Text), " ")] {
				return fmt.Errorf("intent: %s: %q is also a training line", name, s.Text)
			}
		}
	}
	return nil
}

// abstainAccuracy is the accuracy with out_of_scope as a label: abstaining counts as
// predicting it, as Model.Classify does.
func abstainAccuracy(m *softmaxLR, ex []example, oos int, temp, thr float64) float64 {
	z := make([]float64, m.C)
	ok := 0
	for _, e := range ex {
		m.logits(e.x, z)
		softmaxT(z, temp)
		pred := argmax(z, oos)
		if argmax(z, -1) == oos || z[pred] < thr {
			pred = oos
		}
		if pred == e.y {
			ok++
		}
	}
	return float64(ok) / math.Max(float64(len(ex)), 1)
}
