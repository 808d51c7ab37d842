//go:build corpus

// Corpus evaluations: they read ../shared/data/text (or $INTENT_CORPUS) and take about a
// minute, so they run only with `-tags corpus` (`make eval-intent`), never in plain go test.
package intent

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func corpusDir(t *testing.T) string {
	dir := os.Getenv("INTENT_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "text")
	}
	if _, err := os.Stat(filepath.Join(dir, "banking77", "test.csv")); err != nil {
		t.Fatalf("corpus not found (set INTENT_CORPUS): %v", err)
	}
	return dir
}

// TestCorpusBenchmarks trains and scores models on Banking77's own 77 labels and on
// CLINC150's 150 intents + out-of-scope, with the shipped model's features and settings.
func TestCorpusBenchmarks(t *testing.T) {
	dir := corpusDir(t)
	m := model(t)
	cfg := trainConfig{data: dir, dim: m.meta.Dim}
	scores := map[string]float64{}
	p := trainParams{epochs: 6, lr: 0.2, l2: 1e-5, seed: 1}
	err := benchmarks(context.Background(), cfg, m.fz, p, scores, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if scores["banking77_test_accuracy"] < 0.85 {
		t.Errorf("Banking77 accuracy %.3f: regression", scores["banking77_test_accuracy"])
	}
}

// TestCorpusShippedModel scores the shipped taxonomy model on the corpora's test splits,
// which training never reads, mapped onto the taxonomy through labelmap.csv: CLINC150
// (banking intents map to taxonomy intents, every other domain and oos to out_of_scope),
// Banking77 test, and xSID nl/en test (assistant requests, all out_of_scope for a contact
// centre: the Dutch abstain rate).
func TestCorpusShippedModel(t *testing.T) {
	dir := corpusDir(t)
	m := model(t)
	lm, err := readLabelMap(filepath.Join("..", "..", "models", "intent", "labelmap.csv"))
	if err != nil {
		t.Fatal(err)
	}
	score := func(name string, ss []Sample, corpus string) {
		var nIn, okIn, nOOS, okOOS int
		for _, s := range ss {
			gold := lm.get(corpus, s.Labels[0])
			if gold == "" {
				continue
			}
			r := m.Classify(s.Text, s.Lang)
			if gold == OutOfScope {
				nOOS++
				if r.Abstained {
					okOOS++
				}
				continue
			}
			nIn++
			if r.Intent == gold {
				okIn++
			}
		}
		t.Logf("%s: in-scope accuracy %.4f on %d, out-of-scope recall %.4f on %d",
			name, ratio(okIn, nIn), nIn, ratio(okOOS, nOOS), nOOS)
	}
	cl, err := readCLINC(filepath.Join(dir, "clinc150", "data_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	score("CLINC150 test → taxonomy", append(cl["test"], cl["oos_test"]...), "clinc150")
	b77, err := readBanking77(filepath.Join(dir, "banking77", "test.csv"))
	if err != nil {
		t.Fatal(err)
	}
	score("Banking77 test → taxonomy", b77, "banking77")
	for _, lang := range []string{"nl", "en"} {
		xs, err := readXSID(filepath.Join(dir, "xsid", lang+".test.tsv"), lang)
		if err != nil {
			t.Fatal(err)
		}
		score("xSID "+lang+" test (all out_of_scope)", xs, "xsid")
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
