//go:build shared

package emotion

// Runs training and evaluation on the shared corpora (not part of the normal test set):
//
//	UT_CMD=train UT_ARGS="--corpus ../../../shared/data/emotion/ravdess --folds 6" go test -tags shared -run Shared -v -timeout 1h ./internal/emotion
import (
	"context"
	"fmt"
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
