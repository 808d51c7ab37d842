package intent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// crossValidate implements `train --intent --cv K`: K models, each trained on the corpora
// plus all hand-written lines but every K-th, scored on the lines left out. The hand-written
// lines are the only Dutch in-scope data, so this is the estimate of how the model handles
// Dutch it has not seen that does not hinge on one test file's authors. Weights stay
// unquantised here; the shipped model's int8 weights differ by rounding only.
func crossValidate(ctx context.Context, cfg trainConfig, fz *featurizer, corp *corpora, hand []Sample,
	log func(string, ...any), stdout io.Writer) error {
	if cfg.cv < 2 || cfg.cv > len(hand) {
		return fmt.Errorf("intent: --cv %d: want 2 to %d folds", cfg.cv, len(hand))
	}
	sum := map[string]LangScores{}
	for k := 0; k < cfg.cv; k++ {
		var tr, te []Sample
		for i, s := range hand {
			if i%cfg.cv == k {
				te = append(te, s)
			} else {
				tr = append(tr, s)
			}
		}
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
