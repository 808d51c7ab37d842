//go:build shared

package emotion

// Runs training and evaluation on the shared corpora (not part of the normal test set):
//
//	UT_CMD=train UT_ARGS="--corpus ../../../shared/data/emotion/ravdess --folds 6" go test -tags shared -run Shared -v -timeout 1h ./internal/emotion
import (
	"context"
	"fmt"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/features"
	"os"
	"strings"
	"testing"
)

func TestShared(t *testing.T) {
	args := strings.Fields(os.Getenv("UT_ARGS"))
	cmd := TrainCommand
	if os.Getenv("UT_CMD") == "eval" {
		cmd = EvalCommand
	}
	if err := cmd(context.Background(), args, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// TestExperiment sweeps training settings on cached features (UT_CACHE) without writing a model.
func TestExperiment(t *testing.T) {
	items, err := ReadCorpus("/work/shared/data/emotion/ravdess")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cache := os.Getenv("UT_CACHE")
	clean, _ := extractAll(ctx, items, Clean, 1, 2, cache)
	aug, _ := extractAll(ctx, items, PhoneAug, 1, 2, cache)
	phone, _ := extractAll(ctx, items, PhoneEval, 1, 2, cache)
	labels := (&Model{LabelMap: defaultLabelMap()}).ClassOf
	for _, l2 := range envFloats("UT_L2", "0.01") {
		for _, k := range envFloats("UT_K", "2") {
			hid := envFloats("UT_HIDDEN", "0")[0]
			p := DefaultTrainParams
			p.Orders = int(envFloats("UT_ORDERS", "3")[0])
			p.BaselineScale = os.Getenv("UT_SCALE") != ""
			p.dropLevel = os.Getenv("UT_DROPLEVEL") != ""
			p.L2, p.BaselinePrior, p.Hidden = l2, k, int(hid)
			p.Iterations = int(envFloats("UT_ITER", "300")[0])
			rep, err := crossValidate(ctx, items, clean, aug, phone, labels, 6, p)
			if err != nil {
				t.Fatal(err)
			}
			line := ""
			for _, s := range []string{"clean/off", "clean/on", "telephone/off", "telephone/on"} {
				m := rep.results[s]
				line += fmt.Sprintf(" %s %.3f/%.3f", s, m.UAR, *m.ArousalAUC)
			}
			t.Logf("l2=%g hidden=%d k=%g orders=%d scale=%v:%s", l2, p.Hidden, k, p.Orders, p.BaselineScale, line)
		}
	}
}

func envFloats(k, def string) []float64 {
	v := os.Getenv(k)
	if v == "" {
		v = def
	}
	var out []float64
	for _, f := range strings.Split(v, ",") {
		var x float64
		fmt.Sscan(f, &x)
		out = append(out, x)
	}
	return out
}

// TestSharedLive checks the live path end to end on held-out speakers: a model fitted
// without speakers 01–04 scores their files played as one stream each (shuffled, 0.8 s
// pauses) through the Analyzer with an energy VAD; events are matched to files by time.
func TestSharedLive(t *testing.T) {
	items, err := ReadCorpus("/work/shared/data/emotion/ravdess")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cache := os.Getenv("UT_CACHE")
	clean, _ := extractAll(ctx, items, Clean, 1, 2, cache)
	aug, _ := extractAll(ctx, items, PhoneAug, 1, 2, cache)
	labels := (&Model{LabelMap: defaultLabelMap()}).ClassOf
	held := map[string]bool{"ravdess/01": true, "ravdess/02": true, "ravdess/03": true, "ravdess/04": true}
	var tr []sample
	for i, it := range items {
		if !held[it.Speaker] {
			c := labels(it.Label)
			tr = append(tr, sample{it.Speaker, c, clean[i], Clean}, sample{it.Speaker, c, aug[i], PhoneAug})
		}
	}
	m := fit(tr, DefaultTrainParams)
	var offline, live []scored
	sc := NewScorer(m)
	r := newRand(5)
	for spk := range held {
		var files []Item
		for _, it := range items {
			if it.Speaker == spk {
				files = append(files, it)
			}
		}
		r.Shuffle(len(files), func(a, b int) { files[a], files[b] = files[b], files[a] })
		var x []float32
		type span struct {
			s, e  float64
			class int
		}
		var spans []span
		pause := make([]float32, 12800)
		for _, it := range files {
			y, _, err := features.ReadWAV(it.Path)
			if err != nil {
				t.Fatal(err)
			}
			s := float64(len(x)) / 16000
			x = append(x, y...)
			spans = append(spans, span{s, float64(len(x)) / 16000, labels(it.Label)})
			x = append(x, pause...)
			p, _ := sc.Predict(utteranceFunctionals(y), nil)
			offline = append(offline, scored{labels(it.Label), p})
		}
		a := NewAnalyzer(m, Config{SmoothMin: 1}, event.Customer)
		var rec recorder
		feed(a, x, &rec)
		a.Close(&rec)
		for _, e := range rec.ev {
			if e.Kind != event.EmotionUtterance {
				continue
			}
			for _, sp := range spans {
				if e.Start < sp.e && e.End > sp.s {
					var p Prediction
					for c, k := range Classes {
						p.Probs[c] = e.Probs[k]
					}
					m.finish(&p)
					live = append(live, scored{sp.class, p})
					break
				}
			}
		}
		t.Logf("%s: %d files, %d utterance events", spk, len(files), len(rec.ev))
	}
	for name, res := range map[string][]scored{"offline, baseline off": offline, "live analyzer, baseline on": live} {
		var b strings.Builder
		score(res).Write(&b, name)
		t.Log(b.String())
	}
}
