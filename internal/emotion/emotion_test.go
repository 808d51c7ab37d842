package emotion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/features"
)

const testCorpus = "testdata/corpus"

// trained trains one model on the synthetic corpus once per test binary.
var trained = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "emotion-test")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "m.json")
	var buf bytes.Buffer
	// --codecs builtin: the same model on every machine, whatever codecs are installed.
	err = TrainCommand(context.Background(), []string{"--corpus", testCorpus, "--folds", "2", "--transfer", "--codecs", "builtin", "--out", out, "--jobs", "2"}, &buf)
	return out, err
})

func testModel(t testing.TB) *Model {
	t.Helper()
	p, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainWritesModelAndCard(t *testing.T) {
	p, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	m := testModel(t)
	if m.Relative == nil || m.Absolute.Temperature <= 0 || m.ArousalHead.Temperature <= 0 || len(m.Card.Scores) == 0 {
		t.Fatalf("model lacks relative head, temperature or CV scores: %+v", m.Card)
	}
	// The model records its corpora and their licence (from the corpus folder's LICENCE).
	if len(m.Card.Corpora) != 1 || m.Card.Corpora[0].Name != "corpus" || m.Card.Corpora[0].Files != 25 ||
		!strings.Contains(m.Card.Corpora[0].Licence, "espeak-ng") || !strings.Contains(m.Card.Licence, "espeak-ng") {
		t.Errorf("corpora %+v, licence %q", m.Card.Corpora, m.Card.Licence)
	}
	// The synthetic corpus has one text and no intensity: cv plus both sex transfers.
	var names []string
	for _, r := range m.Card.Tests {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "cv,sex m→f,sex f→m" {
		t.Errorf("tests %v", names)
	}
	card, err := os.ReadFile(strings.TrimSuffix(p, ".json") + ".md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Licence: Trained on corpus — Synthetic voices", "undertone train --emotion", "## Scores",
		"| cv | telephone |", "| cv | babble 10 dB + telephone (held out) |", "| sex m→f | clean |", "### cv — 1 s clips, baseline on", "not run: held-out codec"} {
		if !bytes.Contains(card, []byte(want)) {
			t.Errorf("card lacks %q", want)
		}
	}
}

// A corpus without a LICENCE file, unknown by name, is refused unless --licence says
// under which terms it may be used; with --licence the model records it.
func TestTrainNeedsALicence(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(must(filepath.Abs(filepath.Join(testCorpus, "wav"))), filepath.Join(dir, "wav")); err != nil {
		t.Fatal(err)
	}
	man := must(os.ReadFile(filepath.Join(testCorpus, "manifest.csv")))
	if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), man, 0o644); err != nil {
		t.Fatal(err)
	}
	err := TrainCommand(context.Background(), []string{"--corpus", dir, "--codecs", "builtin", "--aug", "none"}, &bytes.Buffer{})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--licence") {
		t.Fatalf("no licence: %v", err)
	}
	out := filepath.Join(t.TempDir(), "own.json")
	err = TrainCommand(context.Background(), []string{"--corpus", dir, "--codecs", "builtin", "--aug", "none",
		"--licence", "ACME call snippets, internal use", "--out", out}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Card.Licence, "ACME call snippets, internal use") || strings.Contains(m.Card.Licence, "non-commercial") {
		t.Errorf("licence %q", m.Card.Licence)
	}
}

func TestEvalCommandJSON(t *testing.T) {
	p, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--model", p, "--corpus", testCorpus, "--json"},
		{"--model", p, "--corpus", testCorpus, "--json", "--telephone", "--baseline", "off"},
	} {
		var buf bytes.Buffer
		if err := EvalCommand(context.Background(), args, &buf); err != nil {
			t.Fatal(err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, buf.String())
		}
		for _, k := range []string{"uar", "per_class", "confusion", "arousal_auc", "n"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%v: no key %q in %s", args, k, buf.String())
			}
		}
		var m Metrics
		_ = json.Unmarshal(buf.Bytes(), &m)
		// 24 files map to product classes (calm → neutral); disgust is skipped.
		if m.N != 24 || len(m.Classes) != 5 {
			t.Errorf("%v: n=%d classes=%v", args, m.N, m.Classes)
		}
	}
}

func TestEvalUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"--corpus", testCorpus, "--baseline", "maybe"}, {"--bogus"}} {
		err := EvalCommand(context.Background(), args, &bytes.Buffer{})
		if !errors.Is(err, ErrUsage) {
			t.Errorf("%v: err %v, want ErrUsage", args, err)
		}
	}
	err := EvalCommand(context.Background(), []string{"--corpus", "testdata/nope"}, &bytes.Buffer{})
	if !errors.Is(err, ErrCorpus) {
		t.Errorf("missing corpus: %v", err)
	}
}

func TestLoadDefault(t *testing.T) {
	start := time.Now()
	m, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("loading took %v", d)
	}
	if m.Card.Licence == "" || len(m.Card.Scores) == 0 || len(m.Card.Corpora) == 0 || len(m.Card.Tests) < 5 {
		t.Errorf("shipped model has no provenance or transfer tests: %+v", m.Card)
	}
	if !strings.Contains(m.Card.Licence, "non-commercial") {
		t.Errorf("shipped RAVDESS model does not say it is non-commercial: %q", m.Card.Licence)
	}
}

func TestParseRejects(t *testing.T) {
	b, err := os.ReadFile(must(trained()))
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(map[string]any){
		"version":  func(m map[string]any) { m["version"] = 99 },
		"features": func(m map[string]any) { m["features"] = []string{"x"} },
		"classes":  func(m map[string]any) { m["classes"] = []string{"a", "b", "c", "d", "e"} },
		"set":      func(m map[string]any) { m["feature_set"] = "other" },
	} {
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		edit(m)
		bb, _ := json.Marshal(m)
		if _, err := Parse(bb); !errors.Is(err, ErrModel) {
			t.Errorf("%s: err %v, want ErrModel", name, err)
		}
	}
	if _, err := Parse([]byte("{")); !errors.Is(err, ErrModel) {
		t.Errorf("garbage: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// recorder is a call.Emitter that keeps emotion events.
type recorder struct{ ev []*event.EmotionData }

func (r *recorder) Emit(_ event.Party, _ time.Duration, data event.Payload) {
	typ := data.EventType()
	if typ == event.Emotion {
		r.ev = append(r.ev, data.(*event.EmotionData))
	}
}

// feed drives an Analyzer with a stream as the call does, with an energy VAD (−45 dBFS,
// 300 ms hangover) standing in for the stream's.
func feed(a call.Analyzer, x []float32, emit call.Emitter) {
	h := &call.Hop{Party: event.Customer}
	win := make([]float32, call.WindowSamples)
	hang := 0
	for i := 0; i+call.HopSamples <= len(x); i += call.HopSamples {
		s := x[i : i+call.HopSamples]
		copy(win, win[call.HopSamples:])
		copy(win[call.WindowSamples-call.HopSamples:], s)
		var e float64
		for _, v := range s {
			e += float64(v) * float64(v)
		}
		db := 10 * math.Log10(e/call.HopSamples+1e-12)
		if db > -45 {
			hang = 30
		} else if hang > 0 {
			hang--
		}
		h.T = time.Duration(i+call.HopSamples) * time.Second / call.SampleRate
		h.Samples, h.Window, h.LevelDB, h.Speech = s, win, db, hang > 0
		a.Hop(h, emit)
	}
}

func wavs(t testing.TB, names ...string) []float32 {
	t.Helper()
	var x []float32
	for _, n := range names {
		y, _, err := features.ReadWAV(filepath.Join(testCorpus, "wav", n))
		if err != nil {
			t.Fatal(err)
		}
		x = append(x, y...)
	}
	return x
}

func TestAnalyzerEvents(t *testing.T) {
	m := testModel(t)
	silence := make([]float32, 16000)
	// One short utterance, a pause, then a long turn (four files back to back, their own
	// 0.2 s pads are shorter than the VAD hangover) and a last utterance cut by Close.
	var x []float32
	x = append(x, silence...)
	x = append(x, wavs(t, "01-neutral.wav")...)
	x = append(x, silence...)
	x = append(x, wavs(t, "01-angry.wav", "01-angry.wav", "01-happy.wav", "01-angry.wav")...)
	x = append(x, silence...)
	x = append(x, wavs(t, "01-sad.wav")[:16000]...)
	a := NewAnalyzerFactory(m, Config{})("call-1", event.Customer)
	var r recorder
	feed(a, x, &r)
	a.Close(&r)
	var utt, win int
	var lastEnd float64
	for i, e := range r.ev {
		switch e.Kind {
		case event.EmotionUtterance:
			// The baseline learns from calm utterances only: never more than came before.
			if e.Baseline.N > utt {
				t.Errorf("event %d: baseline n %d after %d utterances", i, e.Baseline.N, utt)
			}
			utt++
		case event.EmotionWindow:
			win++
			if d := e.End - e.Start; math.Abs(d-2) > 0.011 {
				t.Errorf("window spans %.3f s", d)
			}
		default:
			t.Errorf("kind %q", e.Kind)
		}
		var s float64
		for _, c := range Classes {
			s += e.Probs[c]
		}
		if math.Abs(s-1) > 0.01 || e.Probs[e.Top] < e.Confidence-0.001 || e.Start >= e.End || e.End < lastEnd ||
			(e.Headline != Unsure && e.Probs[e.Headline] == 0) {
			t.Errorf("event %d inconsistent: %+v", i, e)
		}
		if math.Abs(e.Arousal) > 1 || math.Abs(e.Valence) > 1 {
			t.Errorf("event %d: arousal %v valence %v", i, e.Arousal, e.Valence)
		}
		lastEnd = e.End
	}
	if utt != 3 || win < 2 {
		t.Fatalf("%d utterance and %d window events, want 3 and ≥ 2: %+v", utt, win, r.ev)
	}
}

func TestAnalyzerPartiesFilter(t *testing.T) {
	f := NewAnalyzerFactory(testModel(t), Config{Parties: []event.Party{event.Customer}})
	if f("c", event.Agent) != nil {
		t.Fatal("agent analyzer made although only the customer is analysed")
	}
	if f("c", event.Customer) == nil {
		t.Fatal("no customer analyzer")
	}
}

// The hot path does not allocate between events.
func TestAnalyzerHopAllocs(t *testing.T) {
	m := testModel(t)
	a := NewAnalyzer(m, Config{MaxUtterance: time.Hour, Window: time.Hour}, event.Customer)
	x := wavs(t, "02-neutral.wav")
	h := &call.Hop{Party: event.Customer, Speech: true, Window: make([]float32, call.WindowSamples)}
	var r recorder
	i := 0
	allocs := testing.AllocsPerRun(300, func() {
		h.Samples = x[i : i+call.HopSamples]
		h.T += 10 * time.Millisecond
		a.Hop(h, &r)
		i = (i + call.HopSamples) % (len(x) - call.HopSamples)
	})
	if allocs != 0 || len(r.ev) != 0 {
		t.Fatalf("%.1f allocs per hop, %d events", allocs, len(r.ev))
	}
}

// Inference per utterance: functionals over a 3 s utterance plus the relative head.
func BenchmarkUtteranceInference(b *testing.B) {
	m := testModel(b)
	e, buf := features.NewExtractor(), features.NewBuffer(1000)
	x := wavs(b, "02-neutral.wav", "03-angry.wav")
	for i := 0; i+160 <= len(x) && buf.Len() < 300; i += 160 {
		buf.Push(e.Hop(x[i : i+160]))
	}
	sc, base := NewScorer(m), NewBaseline(m)
	f := make([]float64, features.NumFunctionals)
	b.ReportAllocs()
	for b.Loop() {
		buf.Functionals(f, 0)
		sc.Predict(f, base)
	}
}

func BenchmarkLoadDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadDefault(); err != nil {
			b.Fatal(err)
		}
	}
}
