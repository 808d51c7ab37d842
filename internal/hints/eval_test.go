package hints

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/intent"
	"github.com/undertone/undertone/internal/transcript"
	"github.com/undertone/undertone/models"
)

// TestEvalCommand runs the development scenario file (written by the team, not a held-out
// test) through the real transcript → intent → hint chain with the shipped model, flags
// after the file included, and checks the report's shape and the guarantees that hold
// whatever the model: no hint on the neutral calls, every miss listed.
func TestEvalCommand(t *testing.T) {
	var out bytes.Buffer
	if err := EvalCommand(context.Background(), []string{"testdata/eval_own.json", "--json", "--sectors", "internet=telecom,mobiel=telecom,broadband=telecom,mobile=telecom"}, &out); err != nil {
		t.Fatal(err)
	}
	var s HintScores
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if s.Calls < 20 || s.NeutralCalls < 6 || s.ExpectedNeeds < 20 || len(s.PerLang) != 2 || len(s.PerNeed) != 9 {
		t.Errorf("scores %+v", s)
	}
	if s.FalseAlarms != 0 {
		t.Errorf("hints on %d neutral calls", s.FalseAlarms)
	}
	missed := 0
	for _, m := range s.Misses {
		missed += len(m.Missed)
	}
	if missed != s.ExpectedNeeds-s.NamedNeeds {
		t.Errorf("%d misses listed, %d needs missed", missed, s.ExpectedNeeds-s.NamedNeeds)
	}
	// Every hint listed says what it rested on (--why): its rule, then its evidence.
	explained := 0
	for _, m := range s.Misses {
		explained += len(m.Why)
		if len(m.Why) != len(m.Rules) {
			t.Errorf("%s: %d rules, %d explanations", m.ID, len(m.Rules), len(m.Why))
		}
		for i := range m.Why {
			if !strings.HasPrefix(m.Why[i], m.Rules[i]+" (") || !strings.Contains(m.Why[i], " at ") {
				t.Errorf("%s: explanation %q", m.ID, m.Why[i])
			}
		}
	}
	if explained == 0 {
		t.Error("no hint on the listed calls to explain: the check above checked nothing")
	}
	t.Logf("need recall %.3f (%d/%d), all named %.3f, false alarms %d/%d", s.NeedRecall, s.NamedNeeds, s.ExpectedNeeds,
		s.AllNamed, s.FalseAlarms, s.NeutralCalls)
	// The team wrote these calls and the model's training text: this is a floor against
	// regressions of the chain, not a measure of how it does on calls written elsewhere.
	if s.NeedRecall < 0.8 {
		t.Errorf("need recall %.3f on the development calls, was 0.857 when the model was frozen (round 2)", s.NeedRecall)
	}
}

// TestEvalCalmCallsRaiseNothing runs the second development file: calm callers asking
// about alarming topics (fraud protection, roaming prices, storm cover, refund policy, a
// passport appointment, a move) in both languages, next to calls with two needs. A calm
// question must raise no hint at all — a neutral fraud-policy question once raised the
// high-priority fraud hint — and the two-need calls must still be hinted.
func TestEvalCalmCallsRaiseNothing(t *testing.T) {
	var out bytes.Buffer
	if err := EvalCommand(context.Background(), []string{"testdata/eval_own2.json", "--json", "--sectors", "mobiel=telecom,broadband=telecom,mobile=telecom"}, &out); err != nil {
		t.Fatal(err)
	}
	var s HintScores
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if s.NeutralCalls < 10 || s.ExpectedNeeds < 12 {
		t.Errorf("scores %+v", s)
	}
	for _, m := range s.Misses {
		if m.Neutral {
			t.Errorf("calm call %s raised %v", m.ID, m.Rules)
		}
	}
	t.Logf("need recall %.3f (%d/%d), false alarms %d/%d", s.NeedRecall, s.NamedNeeds, s.ExpectedNeeds, s.FalseAlarms, s.NeutralCalls)
	if s.NeedRecall < 0.75 {
		t.Errorf("need recall %.3f on the two-need calls", s.NeedRecall)
	}
}

// TestEvalRunsTheChain: a call whose customer plainly says they cannot pay gets a
// financial-strain hint through the model, and the same call on a telecom queue gets no
// banking hint.
func TestEvalRunsTheChain(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	src := `[{"id":"x","lang":"nl","playbook":"","queue":"mobiel","turns":[
	 {"party":"agent","text":"Goedemiddag, waarmee kan ik helpen?"},
	 {"party":"customer","text":"ik kan de rekening deze maand echt niet betalen, ik heb gewoon geen geld meer"}],
	 "needs":["financial_strain"],"neutral":false}]`
	os.WriteFile(file, []byte(src), 0o644)
	var out bytes.Buffer
	if err := EvalCommand(context.Background(), []string{"--sectors", "mobiel=telecom", "--all", file}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "need recall 1.000") || strings.Contains(out.String(), "banking.") {
		t.Errorf("report:\n%s", out.String())
	}
	for _, bad := range []string{
		`[{"id":"x","lang":"de","turns":[{"party":"customer","text":"hallo"}],"needs":[]}]`,
		`[{"id":"x","lang":"nl","turns":[{"party":"caller","text":"hallo"}],"needs":[]}]`,
		`[{"id":"x","lang":"nl","turns":[{"party":"customer","text":"hallo"}],"needs":["money"]}]`,
		`[{"id":"x","lang":"nl","turns":[{"party":"customer","text":"hallo"}],"needs":[],"neutrall":true}]`,
	} {
		os.WriteFile(file, []byte(bad), 0o644)
		if err := EvalCommand(context.Background(), []string{file}, &out); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// TestMisheardLineThroughTheChain: the misfire, through the real intent stage,
// model and engine. A calm caller's line misheard by pocketsphinx at confidence 1e-6
// raises nothing on a banking call. Above the gate the same words raise the fraud hint,
// as they do from a confident integrator: the model reads both the intent and a need
// (≥ 0.8, the recogniser's need gate) in them, two signals.
func TestMisheardLineThroughTheChain(t *testing.T) {
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Playbooks: pbs})
	if err != nil {
		t.Fatal(err)
	}
	m, err := intent.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	const line = "and i didn't buy it somebody took money from my account"
	for _, c := range []struct {
		src  string
		conf float64
		want bool
	}{
		{"pocketsphinx", 1e-6, false},
		{"pocketsphinx", 0.49, false},
		{"pocketsphinx", 0.6, true},
		{event.TranscriptSourceIntegrator, 0.95, true},
	} {
		as := []call.CallAnalyzer{
			transcript.NewIntentFactory(transcript.IntentConfig{Classify: m.ClassifyEvent})("c"),
			e.Factory()("c"),
		}
		j := &syncJoiner{as: as}
		j.Emit("", 0, &event.CallStartedData{Meta: map[string]string{"playbook": "banking"}})
		j.Emit(event.Customer, 4*time.Second, &event.TranscriptData{Segment: "customer-1", Start: 1, End: 4,
			Text: line, Final: true, Lang: "en", Source: c.src, Confidence: c.conf})
		for s := 5; s < 40; s++ {
			j.Emit("", time.Duration(s)*time.Second, &event.DynamicsData{T: float64(s)})
		}
		got := false
		for _, h := range j.hints {
			got = got || h.Priority == "high"
		}
		if got != c.want {
			t.Errorf("%s at %g: high-priority hint %v, want %v (hints %+v; model says %+v)", c.src, c.conf, got, c.want,
				j.hints, m.Classify(line, "en"))
		}
	}
}
