package intent

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/undertone/undertone/internal/cli"
)

// LangScores are the eval figures for one language.
type LangScores struct {
	N           int     `json:"n"`
	Accuracy    float64 `json:"accuracy"`
	MacroF1     float64 `json:"macro_f1"`
	NeedMicroF1 float64 `json:"need_micro_f1"`
}

// Confusion is one kind of error: gold intent predicted as another, Count times.
type Confusion struct {
	Lang, Gold, Pred string
	Count            int
}

// Evaluate classifies every sample with its language and scores intents and needs per language.
func Evaluate(m *Model, ss []Sample) (map[string]LangScores, []Confusion) {
	rs := make([]Result, len(ss))
	for i, s := range ss {
		rs[i] = m.Classify(s.Text, s.Lang)
	}
	return Score(ss, rs)
}

// Score scores results rs[i] against the gold samples ss[i], per language.
func Score(ss []Sample, rs []Result) (map[string]LangScores, []Confusion) {
	type acc struct {
		n, ok         int
		tp, fp, fn    map[string]int
		ntp, nfp, nfn int
	}
	per := map[string]*acc{}
	conf := map[[3]string]int{}
	for i, s := range ss {
		a := per[s.Lang]
		if a == nil {
			a = &acc{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}}
			per[s.Lang] = a
		}
		r := rs[i]
		a.n++
		if r.Intent == s.Intent {
			a.ok++
			a.tp[s.Intent]++
		} else {
			a.fp[r.Intent]++
			a.fn[s.Intent]++
			conf[[3]string{s.Lang, s.Intent, r.Intent}]++
		}
		pred := map[string]bool{}
		for _, n := range r.Needs {
			pred[n.ID] = true
		}
		gold := map[string]bool{}
		for _, n := range s.Needs {
			gold[n] = true
			if pred[n] {
				a.ntp++
			} else {
				a.nfn++
			}
		}
		for n := range pred {
			if !gold[n] {
				a.nfp++
			}
		}
	}
	out := map[string]LangScores{}
	for lang, a := range per {
		labels := map[string]bool{}
		for _, mm := range []map[string]int{a.tp, a.fp, a.fn} {
			for l := range mm {
				labels[l] = true
			}
		}
		f1sum := 0.0
		for l := range labels {
			f1sum += f1(a.tp[l], a.fp[l], a.fn[l])
		}
		ls := LangScores{N: a.n, Accuracy: float64(a.ok) / float64(max(a.n, 1)),
			NeedMicroF1: f1(a.ntp, a.nfp, a.nfn)}
		if len(labels) > 0 {
			ls.MacroF1 = f1sum / float64(len(labels))
		}
		out[lang] = ls
	}
	var cs []Confusion
	for k, v := range conf {
		cs = append(cs, Confusion{k[0], k[1], k[2], v})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Count != cs[j].Count {
			return cs[i].Count > cs[j].Count
		}
		return cs[i].Gold+cs[i].Pred < cs[j].Gold+cs[j].Pred
	})
	return out, cs
}

func f1(tp, fp, fn int) float64 {
	d := 2*tp + fp + fn
	if d == 0 {
		return 1 // nothing to find and nothing found
	}
	return 2 * float64(tp) / float64(d)
}

// EvalCommand implements `undertone eval --intent FILE.csv [--json] [--model DIR]`.
func EvalCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("eval --intent", flag.ContinueOnError)
	fl.SetOutput(stdout)
	jsonOut := fl.Bool("json", false, "print one JSON object keyed by language")
	modelPath := fl.String("model", "", "model directory or its intent.json (default: the model built into the binary)")
	top := fl.Int("confusions", 10, "how many of the most frequent errors to list")
	showErrors := fl.Bool("errors", false, "also list every misclassified line")
	byGroup := fl.Bool("groups", false, "also score each group (the CSV's group column, else the file) on its own")
	pos, err := cli.Parse(fl, args, "usage: undertone eval --intent FILE.csv [--json] [--groups] (CSV header text,lang,intent,needs[,group])", stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("intent: eval wants one FILE.csv (header text,lang,intent,needs)")
	}
	file := pos[0]
	ss, err := ReadCSV(file)
	if err != nil {
		return err
	}
	var m *Model
	if *modelPath != "" {
		m, err = Load(modelDir(*modelPath))
	} else {
		m, err = LoadDefault()
	}
	if err != nil {
		return err
	}
	if err := checkLabels(m.meta, ss); err != nil {
		return fmt.Errorf("intent: %s: %w", file, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rs := make([]Result, len(ss))
	for i, s := range ss {
		rs[i] = m.Classify(s.Text, s.Lang)
	}
	scores, confs := Score(ss, rs)
	if *showErrors && !*jsonOut {
		for i, s := range ss {
			r := rs[i]
			var got []string
			for _, n := range r.Needs {
				got = append(got, n.ID)
			}
			if r.Intent != s.Intent || strings.Join(got, ";") != strings.Join(s.Needs, ";") {
				fmt.Fprintf(stdout, "%s %s -> %s (%.2f) needs [%s] -> [%s]: %s\n", s.Lang, s.Intent, r.Intent,
					r.Confidence, strings.Join(s.Needs, ";"), strings.Join(got, ";"), s.Text)
			}
		}
	}
	if *jsonOut {
		return json.NewEncoder(stdout).Encode(scores)
	}
	langs := make([]string, 0, len(scores))
	for l := range scores {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	fmt.Fprintf(stdout, "%-4s %6s %9s %9s %14s\n", "lang", "n", "accuracy", "macro_f1", "need_micro_f1")
	for _, l := range langs {
		s := scores[l]
		fmt.Fprintf(stdout, "%-4s %6d %9.3f %9.3f %14.3f\n", l, s.N, s.Accuracy, s.MacroF1, s.NeedMicroF1)
	}
	if *byGroup {
		fmt.Fprintln(stdout)
		writeGroups(stdout, ScoreGroups(ss, rs))
	}
	if len(confs) > 0 {
		fmt.Fprintf(stdout, "\nmost frequent errors (gold -> predicted):\n")
		for i, c := range confs {
			if i == *top {
				break
			}
			fmt.Fprintf(stdout, "  %s %4d  %s -> %s\n", c.Lang, c.Count, c.Gold, c.Pred)
		}
	}
	return nil
}

// checkLabels rejects gold labels the model does not know: a typo would otherwise count as
// a model error and quietly lower the scores.
func checkLabels(meta Meta, ss []Sample) error {
	for i, s := range ss {
		if indexOf(meta.Intents, s.Intent) < 0 {
			return fmt.Errorf("row %d: intent %q is not a TAXONOMY.md intent", i+1, s.Intent)
		}
		for _, n := range s.Needs {
			if indexOf(meta.Needs, n) < 0 {
				return fmt.Errorf("row %d: need %q is not a TAXONOMY.md need", i+1, n)
			}
		}
		if s.Lang != "nl" && s.Lang != "en" {
			return fmt.Errorf("row %d: lang %q: want nl or en", i+1, s.Lang)
		}
	}
	return nil
}
