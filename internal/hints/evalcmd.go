package hints

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/undertone/undertone/internal/intent"
	"github.com/undertone/undertone/models"
)

// ReadScenarios reads a hint evaluation file: a JSON array of Scenario. Unknown fields,
// parties, languages and need ids are errors, so that a typo cannot pass as a miss.
func ReadScenarios(path string) ([]Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var scs []Scenario
	if err := dec.Decode(&scs); err != nil {
		return nil, fmt.Errorf("hints: %s: %w", path, err)
	}
	for i, sc := range scs {
		where := fmt.Sprintf("hints: %s: scenario %d (%q)", path, i+1, sc.ID)
		if sc.Lang != "nl" && sc.Lang != "en" {
			return nil, fmt.Errorf("%s: lang %q: want nl or en", where, sc.Lang)
		}
		if len(sc.Turns) == 0 {
			return nil, fmt.Errorf("%s: no turns", where)
		}
		for _, t := range sc.Turns {
			if t.Party != "customer" && t.Party != "agent" {
				return nil, fmt.Errorf("%s: party %q: want customer or agent", where, t.Party)
			}
		}
		for _, n := range sc.Needs {
			if !needs[n] {
				return nil, fmt.Errorf("%s: need %q is not a TAXONOMY.md need", where, n)
			}
		}
		if sc.Neutral && len(sc.Needs) > 0 {
			return nil, fmt.Errorf("%s: a neutral call expects no needs", where)
		}
	}
	return scs, nil
}

// EvalCommand implements `undertone eval --hints FILE.json [--json] [--model DIR]
// [--sectors queue=playbook,…]`: every scripted call goes through the transcript →
// intent → hint chain as confident integrator transcripts, and the hints are scored
// against the needs the file expects.
func EvalCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("eval --hints", flag.ContinueOnError)
	fl.SetOutput(stdout)
	jsonOut := fl.Bool("json", false, "print the scores as one JSON object")
	modelPath := fl.String("model", "", "intent model directory (default: the model built into the binary)")
	sectors := fl.String("sectors", "", "queue or team to sector playbooks, e.g. mobiel=telecom,bank=banking (config hints.sectors)")
	all := fl.Bool("all", false, "list every call, not only the misses")
	showWhy := fl.Bool("why", false, "under each call listed, the evidence of every hint it raised")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("hints: eval wants one FILE.json (a JSON array of scripted calls)")
	}
	scs, err := ReadScenarios(pos[0])
	if err != nil {
		return err
	}
	sec := map[string]string{}
	for _, kv := range strings.Split(*sectors, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("hints: --sectors %q: want queue=playbook", kv)
		}
		sec[k] = v
	}
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		return err
	}
	e, err := New(Config{Playbooks: pbs, Sectors: sec})
	if err != nil {
		return err
	}
	var m *intent.Model
	if *modelPath != "" {
		m, err = intent.Load(strings.TrimSuffix(*modelPath, "/"+intent.MetaFile))
	} else {
		m, err = intent.LoadDefault()
	}
	if err != nil {
		return err
	}
	scores, results, err := EvalParams{Engine: e, Classify: m.ClassifyEvent}.Evaluate(ctx, scs)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(scores)
	}
	printScores(stdout, "all", scores)
	for _, l := range sortedKeys(scores.PerLang) {
		printScores(stdout, l, scores.PerLang[l])
	}
	list := scores.Misses
	if *all {
		list = results
	}
	if len(list) > 0 {
		fmt.Fprintf(stdout, "\n%s:\n", map[bool]string{true: "calls", false: "misses and false alarms"}[*all])
	}
	for _, r := range list {
		switch {
		case r.Neutral:
			fmt.Fprintf(stdout, "  %-28s %s neutral, raised %v\n", r.ID, r.Lang, r.Rules)
		default:
			fmt.Fprintf(stdout, "  %-28s %s want %v, named %v, missed %v (rules %v)\n", r.ID, r.Lang, r.Want, r.Named, r.Missed, r.Rules)
		}
		if *showWhy {
			for _, w := range r.Why {
				fmt.Fprintf(stdout, "      %s\n", w)
			}
		}
	}
	return nil
}

func printScores(w io.Writer, label string, s *HintScores) {
	fmt.Fprintf(w, "%-4s calls %3d: need recall %.3f (%d/%d), all needs named in %.3f of calls, false alarms %d of %d neutral calls (%d hints), extra needs %d\n",
		label, s.Calls, s.NeedRecall, s.NamedNeeds, s.ExpectedNeeds, s.AllNamed, s.FalseAlarms, s.NeutralCalls, s.FalseHints, s.ExtraNeeds)
	if label != "all" {
		return
	}
	for _, n := range sortedKeys(s.PerNeed) {
		fmt.Fprintf(w, "       %-17s recall %.3f\n", n, s.PerNeed[n])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseArgs parses flags before and after the positional arguments ("eval --hints
// FILE.json --json"), which the flag package alone stops at. "--" ends the flags.
func parseArgs(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		rest := fl.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
