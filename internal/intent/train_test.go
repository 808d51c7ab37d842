package intent

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/undertone/undertone/models"
)

// TestFitSaveLoad trains a tiny model on synthetic lines (no corpora), saves it with int8
// weights, loads it back and checks it still separates the classes and finds a need.
func TestFitSaveLoad(t *testing.T) {
	corp := &corpora{}
	for i := range 30 {
		n := string(rune('a' + i%26))
		corp.train = append(corp.train,
			Sample{Text: "where is my parcel " + n, Lang: "en", Intent: "delivery_status", Source: "c"},
			Sample{Text: "set an alarm for " + n, Lang: "en", Intent: OutOfScope, Source: "c"},
		)
		corp.dev = append(corp.dev, Sample{Text: "my package has not arrived " + n, Lang: "en", Intent: "delivery_status", Source: "c"})
	}
	var hand []Sample
	for i := range 20 {
		n := string(rune('a' + i))
		hand = append(hand,
			Sample{Text: "ik wil mijn abonnement opzeggen " + n, Lang: "nl", Intent: "cancel_contract", Needs: []string{"churn_risk"}, Source: "train_x.csv"},
			Sample{Text: "waar blijft mijn pakket " + n, Lang: "nl", Intent: "delivery_status", Source: "train_x.csv"},
		)
	}
	cues, err := parseCues(strings.NewReader("churn_risk\tnl\topzeggen\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := trainConfig{dim: 1 << 12, epochs: 5, lr: 0.2, l2: 1e-6, handWeight: 3, xsidWeight: 1, oosCap: 1000}
	fz := &featurizer{dim: cfg.dim, cues: cues}
	f, err := fit(context.Background(), cfg, fz, corp, hand, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tok, err := fs.ReadFile(models.FS, "intent/"+TokenizerFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := save(dir, f.meta, f.intent, f.needs, tok, []byte("churn_risk\tnl\topzeggen\n")); err != nil {
		t.Fatal(err)
	}
	m, err := Load(filepath.Join(dir))
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		"ik wil het abonnement opzeggen": "cancel_contract",
		"waar blijft het pakket":         "delivery_status",
		"where is my parcel":             "delivery_status",
		"set an alarm for seven":         OutOfScope,
	} {
		if r := m.Classify(text, ""); r.Intent != want {
			t.Errorf("%q: %s (%.2f), want %s", text, r.Intent, r.Confidence, want)
		}
	}
	r := m.Classify("ik wil opzeggen", "nl")
	if len(r.Needs) == 0 || r.Needs[0].ID != "churn_risk" || r.Needs[0].Evidence[0] != "opzeggen" {
		t.Errorf("needs %+v, want churn_risk with cue evidence", r.Needs)
	}
	if _, err := os.Stat(filepath.Join(dir, WeightsFile)); err != nil {
		t.Fatal(err)
	}
}

func TestLabelMapRejectsUnknownIntent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "labelmap.csv")
	os.WriteFile(p, []byte("corpus,label,intent\nbanking77,lost_or_stolen_card,card_lost\n"), 0o644)
	if _, err := readLabelMap(p); err == nil || !strings.Contains(err.Error(), "card_lost") {
		t.Errorf("err = %v", err)
	}
	lm, err := readLabelMap(filepath.Join("..", "..", "models", "intent", "labelmap.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lm.get("banking77", "lost_or_stolen_card") != "card_lost_or_stolen" || lm.get("clinc150", "play_music") != OutOfScope ||
		lm.get("banking77", "cancel_transfer") != "" {
		t.Error("shipped label map lookups")
	}
}
