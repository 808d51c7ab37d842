package intent

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
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
	oosCap, cv                int
	benchmarks, jsonOut       bool
	errors, groups            bool
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
	fl.Float64Var(&cfg.handWeight, "hand-weight", 8, "weight of a hand-written line relative to a corpus line")
	fl.Float64Var(&cfg.xsidWeight, "xsid-weight", 1, "weight of an xSID (assistant, out_of_scope) line")
	fl.IntVar(&cfg.oosCap, "oos-cap", 4000, "at most this many English out_of_scope training lines")
	fl.BoolVar(&cfg.benchmarks, "benchmarks", false, "also train and score Banking77-77 and CLINC150 models")
	fl.BoolVar(&cfg.jsonOut, "json", false, "print the scores as JSON")
	fl.IntVar(&cfg.cv, "cv", 0, "instead of training: K-fold cross-validation over the hand-written lines, grouped by their group column or file (writes nothing)")
	fl.BoolVar(&cfg.errors, "errors", false, "with --cv: list every held-out line the model got wrong")
	fl.BoolVar(&cfg.groups, "groups", false, "with --cv: score each held-out group on its own (accuracy, abstentions, needs, lines with two needs)")
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
		if err := checkLabels(Meta{Intents: Intents, Needs: Needs}, ss); err != nil {
			return fmt.Errorf("intent: %s: %w", name, err)
		}
		hand = append(hand, ss...)
	}
	if err := checkNoTestLeak(cfg.src, hand); err != nil {
		return err
	}
	fz := &featurizer{dim: cfg.dim, wp: wp, cues: cues}
	log := func(format string, a ...any) {
		if !cfg.jsonOut {
			fmt.Fprintf(stdout, format+"\n", a...)
		}
	}
	if cfg.cv > 0 {
		return crossValidate(ctx, cfg, fz, corp, hand, log, stdout)
	}
	f, err := fit(ctx, cfg, fz, corp, hand, log)
	if err != nil {
		return err
	}
	if cfg.benchmarks {
		p := trainParams{epochs: cfg.epochs, lr: cfg.lr, l2: cfg.l2, seed: 1}
		if err := benchmarks(ctx, cfg, fz, p, f.meta.Scores, log); err != nil {
			return err
		}
	}
	f.meta.Created = time.Now().UTC().Format(time.RFC3339)
	f.meta.Command = "undertone train --intent " + strings.Join(args, " ")
	if err := save(cfg.out, f.meta, f.intent, f.needs, tokJSON, cuesTSV); err != nil {
		return fmt.Errorf("intent: save %s: %w", cfg.out, err)
	}
	log("wrote %s in %s", cfg.out, time.Since(start).Round(time.Second))
	if cfg.jsonOut {
		return json.NewEncoder(stdout).Encode(f.meta.Scores)
	}
	return nil
}

// fitted is a trained model before quantisation.
type fitted struct {
	meta          Meta
	intent, needs *softmaxLR
}

// model wraps f for classification in memory (cross-validation).
func (f *fitted) model(fz *featurizer) *Model {
	return &Model{meta: f.meta, fz: fz, intent: f.intent, needs: f.needs, oos: indexOf(f.meta.Intents, OutOfScope)}
}

// fit trains on the corpora and the hand-written lines: a first fit without the
// calibration data (corpus dev splits and about a fifth of the hand-written groups, whole)
// tunes the temperature, abstain threshold, out_of_scope's bias and need thresholds; the
// final fit uses everything.
func fit(ctx context.Context, cfg trainConfig, fz *featurizer, corp *corpora, hand []Sample, log func(string, ...any)) (*fitted, error) {
	handTrain, handDev := splitDevGroups(hand)
	scores := map[string]float64{}
	train := capOOS(corp.train, cfg.oosCap)
	log("corpora: %d train, %d dev; hand-written %d train, %d dev", len(train), len(corp.dev), len(handTrain), len(handDev))
	p := trainParams{epochs: cfg.epochs, lr: cfg.lr, l2: cfg.l2, seed: 1}
	hw, xw := float32(cfg.handWeight), float32(cfg.xsidWeight)
	trEx := toExamples(fz, append(append([]Sample{}, train...), handTrain...), Intents, hw, xw)
	devEx := toExamples(fz, append(append([]Sample{}, corp.dev...), handDev...), Intents, hw, xw)
	m := trainSoftmax(trEx, len(Intents), cfg.dim, p)
	nm := trainOVR(trEx, len(Needs), cfg.dim, p)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	oos := indexOf(Intents, OutOfScope)
	temp, thr, inAcc, oosRec := calibrate(m, devEx, oos)
	needThr, cueThr := tuneNeeds(nm, devEx)
	scores["dev_in_scope_accuracy"], scores["dev_oos_recall"] = inAcc, oosRec
	log("dev: temperature %.2f, abstain below %.2f: in-scope accuracy %.3f, out-of-scope recall %.3f", temp, thr, inAcc, oosRec)
	for _, lang := range []string{"nl", "en"} {
		var ss []Sample
		for _, s := range handDev {
			if s.Lang == lang {
				ss = append(ss, s)
			}
		}
		acc := abstainAccuracy(m, toExamples(fz, ss, Intents, 1, 1), oos, temp, thr, 0)
		scores["dev_hand_"+lang+"_accuracy"] = acc
		log("dev: hand-written %s lines: accuracy %.3f on %d", lang, acc, len(ss))
	}
	// out_of_scope learns from thousands of assistant and other-domain queries (CLINC150,
	// xSID) against a few hundred hand-written in-scope lines per language, so a caller's
	// unfamiliar phrasing of a real request fell into it (grouped CV: a third of the
	// errors were in-scope lines abstained on). Its bias is lowered, and an in-scope class
	// that keeps enough probability beside it is answered (Meta.InScopeFloor), by the
	// settings that maximise accuracy on the held-out hand-written groups — contact-centre
	// utterances in styles the first fit did not see — and both are kept for the final
	// model.
	handEx := toExamples(fz, handDev, Intents, 1, 1)
	shift, floor := tuneOOS(m, handEx, oos, temp, thr)
	scores["oos_bias_shift"], scores["in_scope_floor"] = shift, floor
	log("dev: out_of_scope bias shifted by %.2f, in-scope floor %.2f for the held-out hand-written groups", shift, floor)
	all := append(trEx, devEx...)
	m = trainSoftmax(all, len(Intents), cfg.dim, p)
	m.b[oos] += float32(shift)
	nm = trainOVR(all, len(Needs), cfg.dim, p)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	meta := Meta{Version: 1, Dim: cfg.dim, Intents: Intents, Needs: Needs, Temperature: temp,
		Threshold: thr, InScopeFloor: floor, NeedThresholds: needThr, NeedCueThresholds: cueThr, Scores: scores}
	return &fitted{meta: meta, intent: m, needs: nm}, nil
}

// splitDevGroups holds out about a fifth of the hand-written groups, whole, for
// calibration. Calibrating on every fifth line instead tuned the abstain rule and the need
// thresholds on the very styles the model was trained on, where it is sure of itself: on
// phrasing from other people it abstained on real requests (a third of the English errors
// on a test written outside the team) and missed second needs. A group is in the dev
// share by a hash of its name salted apart from the cross-validation folds, so every CV
// fold keeps a dev share; with fewer than five groups every fifth line is used.
func splitDevGroups(hand []Sample) (train, dev []Sample) {
	groups := map[string]bool{}
	for _, s := range hand {
		groups[s.Group] = true
	}
	for i, s := range hand {
		var isDev bool
		if len(groups) < 5 {
			isDev = i%5 == 2
		} else {
			f := fnv.New32a()
			f.Write([]byte("dev/" + s.Group))
			isDev = f.Sum32()%5 == 0
		}
		if isDev {
			dev = append(dev, s)
		} else {
			train = append(train, s)
		}
	}
	if len(dev) == 0 || len(train) == 0 {
		train, dev = nil, nil
		for i, s := range hand {
			if i%5 == 2 {
				dev = append(dev, s)
			} else {
				train = append(train, s)
			}
		}
	}
	return train, dev
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
		x, ws := fz.extract(s.Text)
		ex := example{x: x, y: y, w: 1}
		for _, c := range fz.cues {
			if k := indexOf(Needs, c.need); k >= 0 && findPhrase(ws, c.words) >= 0 {
				if ex.cued == nil {
					ex.cued = make([]bool, len(Needs))
				}
				ex.cued[k] = true
			}
		}
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
