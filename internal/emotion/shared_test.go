//go:build shared

package emotion

// Runs training and evaluation on the shared corpora (not part of the normal test set):
//
//	UT_CMD=train UT_ARGS="--corpus ../../../shared/data/emotion/ravdess --folds 6" go test -tags shared -run 'Shared$' -v -timeout 1h ./internal/emotion
//	UT_CACHE=/tmp/emo/cache go test -tags shared -run SharedLive -v -timeout 1h ./internal/emotion
import (
	"context"

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
	p := DefaultTrainParams
	d, err := loadDataset(ctx, items, p, nil, extractOpts{seed: 1, jobs: 2, cache: cache, external: true})
	if err != nil {
		t.Fatal(err)
	}
	labels := d.labels
	held := map[string]bool{"ravdess/01": true, "ravdess/02": true, "ravdess/03": true, "ravdess/04": true}
	var tr []int
	for i, it := range items {
		if !held[it.Speaker] {
			tr = append(tr, i)
		}
	}
	m := fit(d.trainSamples(tr), p)
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
			p, _ := sc.Predict(utteranceFunctionals(y, m.Band), nil)
			offline = append(offline, scored{class: labels(it.Label), p: p})
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
					p.Arousal = e.Arousal
					live = append(live, scored{class: sp.class, p: p})
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
