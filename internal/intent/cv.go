package intent

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
)

// crossValidate implements `train --intent --cv K`: K models, each trained on the corpora
// plus the hand-written lines of all groups but a K-th of them, scored on the groups left
// out. A group is one writer's or one style's batch (Sample.Group), so a fold is scored
// on phrasing whose author and style the model has not seen: random-row folds let the
// model recognise a batch's habits and flatter it (0.77 random-row against 0.68–0.79 on
// text written outside the team, issue 10). Groups go to folds in order of a hash of
// their name, which keeps the folds fixed as groups are added. Weights stay unquantised
// here; the shipped model's int8 weights differ by rounding only.
func crossValidate(ctx context.Context, cfg trainConfig, fz *featurizer, corp *corpora, hand []Sample,
	log func(string, ...any), stdout io.Writer) error {
	folds := groupFolds(hand, cfg.cv)
	if cfg.cv < 2 || len(folds) < cfg.cv {
		return fmt.Errorf("intent: --cv %d: want 2 to %d folds (one per group at most)", cfg.cv, len(folds))
	}
	sum := map[string]LangScores{}
	for k := 0; k < cfg.cv; k++ {
		var tr, te []Sample
		for _, s := range hand {
			if folds[s.Group] == k {
				te = append(te, s)
			} else {
				tr = append(tr, s)
			}
		}
		log("fold %d: %d held-out lines from groups %v", k, len(te), groupsOf(folds, k))
		f, err := fit(ctx, cfg, fz, corp, tr, func(string, ...any) {})
		if err != nil {
			return err
		}
		scores, _ := Evaluate(f.model(fz), te)
		for lang, s := range scores {
			log("fold %d %s: n %d, accuracy %.3f, macro-F1 %.3f, need micro-F1 %.3f", k, lang, s.N, s.Accuracy, s.MacroF1, s.NeedMicroF1)
			t := sum[lang]
			t.N += s.N
			t.Accuracy += s.Accuracy / float64(cfg.cv)
			t.MacroF1 += s.MacroF1 / float64(cfg.cv)
			t.NeedMicroF1 += s.NeedMicroF1 / float64(cfg.cv)
			sum[lang] = t
		}
	}
	if cfg.jsonOut {
		return json.NewEncoder(stdout).Encode(sum)
	}
	langs := make([]string, 0, len(sum))
	for l := range sum {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		s := sum[l]
		log("%d-fold mean %s: n %d, accuracy %.3f, macro-F1 %.3f, need micro-F1 %.3f", cfg.cv, l, s.N, s.Accuracy, s.MacroF1, s.NeedMicroF1)
	}
	return nil
}

// groupFolds assigns every group of ss to one of k folds: groups sorted by a hash of
// their name, dealt out in turn, so that the folds hold about as many groups each and
// stay put when a group is added.
func groupFolds(ss []Sample, k int) map[string]int {
	seen := map[string]bool{}
	var gs []string
	for _, s := range ss {
		if !seen[s.Group] {
			seen[s.Group] = true
			gs = append(gs, s.Group)
		}
	}
	h := func(g string) uint32 {
		f := fnv.New32a()
		f.Write([]byte(g))
		return f.Sum32()
	}
	sort.Slice(gs, func(a, b int) bool { return h(gs[a]) < h(gs[b]) })
	out := make(map[string]int, len(gs))
	for i, g := range gs {
		out[g] = i % max(k, 1)
	}
	return out
}

func groupsOf(folds map[string]int, k int) []string {
	var out []string
	for g, f := range folds {
		if f == k {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}
