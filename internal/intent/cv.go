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
// text written outside the team, issue 10). A group's fold is a hash of its name, which
// keeps the folds fixed as groups are added. Weights stay unquantised
// here; the shipped model's int8 weights differ by rounding only.
func crossValidate(ctx context.Context, cfg trainConfig, fz *featurizer, corp *corpora, hand []Sample,
	log func(string, ...any), stdout io.Writer) error {
	folds := groupFolds(hand, cfg.cv)
	if cfg.cv < 2 || len(folds) < cfg.cv {
		return fmt.Errorf("intent: --cv %d: want 2 to %d folds (one per group at most)", cfg.cv, len(folds))
	}
	// Every held-out line is scored once, by the model that did not see its group; the
	// figures are computed over all of them together (pooled), not averaged over folds,
	// since a fold may hold few or no lines of a language.
	var golds []Sample
	var preds []Result
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
		m := f.model(fz)
		for _, s := range te {
			golds, preds = append(golds, s), append(preds, m.Classify(s.Text, s.Lang))
		}
		scores, _ := Score(golds[len(golds)-len(te):], preds[len(preds)-len(te):])
		for _, lang := range sortedLangs(scores) {
			s := scores[lang]
			log("fold %d %s: n %d, accuracy %.3f, macro-F1 %.3f, need micro-F1 %.3f", k, lang, s.N, s.Accuracy, s.MacroF1, s.NeedMicroF1)
		}
	}
	sum, confs := Score(golds, preds)
	if cfg.errors {
		for i, g := range golds {
			if preds[i].Intent != g.Intent {
				log("miss %s [%s] %s -> %s: %s", g.Lang, g.Group, g.Intent, preds[i].Intent, g.Text)
			}
		}
		for i, c := range confs {
			if i == 20 {
				break
			}
			log("confusion %s %3d %s -> %s", c.Lang, c.Count, c.Gold, c.Pred)
		}
	}
	if cfg.groups && !cfg.jsonOut {
		writeGroups(stdout, ScoreGroups(golds, preds))
	}
	if cfg.jsonOut {
		return json.NewEncoder(stdout).Encode(sum)
	}
	for _, l := range sortedLangs(sum) {
		s := sum[l]
		log("grouped %d-fold CV, pooled %s: n %d, accuracy %.3f, macro-F1 %.3f, need micro-F1 %.3f", cfg.cv, l, s.N, s.Accuracy, s.MacroF1, s.NeedMicroF1)
	}
	return nil
}

func sortedLangs(m map[string]LangScores) []string {
	out := make([]string, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// groupFolds assigns every group of ss to one of k folds by a hash of its name, so that
// a group stays in its fold when others are added and figures stay comparable across
// data changes; folds may differ in size.
func groupFolds(ss []Sample, k int) map[string]int {
	out := map[string]int{}
	for _, s := range ss {
		if _, ok := out[s.Group]; !ok {
			f := fnv.New32a()
			f.Write([]byte(s.Group))
			out[s.Group] = int(f.Sum32() % uint32(max(k, 1)))
		}
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
