package hints

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/models"
)

// A scenario is a scripted call (testdata/scenarios/*.yaml): what each party says when,
// with the intent, emotion, dynamics and alert events the live stages would emit for it,
// and the exact list of hints the shipped playbooks must raise — none for a neutral call.
type scenario struct {
	Name     string     `yaml:"name"`
	Playbook string     `yaml:"playbook"` // call meta "playbook"; empty: the queue's or team's sector, else general only
	Queue    string     `yaml:"queue"`    // call meta "queue"
	Team     string     `yaml:"team"`     // call meta "team"
	Lang     string     `yaml:"lang"`     // transcript language of every line
	Steps    []step     `yaml:"steps"`
	Expect   []wantHint `yaml:"expect"`
}

// step is what happens at one media time, emitted in live order: the customer's
// utterance emotion (the audio stage finishes first), the transcript, its intent, then
// dynamics and alerts.
type step struct {
	At       float64  `yaml:"at"`
	Customer string   `yaml:"customer"`
	Agent    string   `yaml:"agent"`
	Intent   *stepInt `yaml:"intent"`
	Emotion  *stepEmo `yaml:"emotion"`
	Dynamics *stepDyn `yaml:"dynamics"`
	Alert    string   `yaml:"alert"`   // alert kind, e.g. agent_overtalk
	Partial  bool     `yaml:"partial"` // the transcript is a partial result (the engine waits for finals)
	// Source and Conf describe the customer's transcript [integrator, 0.9]: an embedded
	// recogniser's name and its confidence make a misheard line.
	Source string   `yaml:"source"`
	Conf   *float64 `yaml:"conf"`
}

type stepInt struct {
	ID       string     `yaml:"id"`
	P        float64    `yaml:"p"`
	Evidence []string   `yaml:"evidence"`
	Needs    []stepNeed `yaml:"needs"`
}

type stepNeed struct {
	ID       string   `yaml:"id"`
	P        float64  `yaml:"p"`
	Evidence []string `yaml:"evidence"`
}

type stepEmo struct {
	Probs   map[string]float64 `yaml:"probs"`
	Arousal float64            `yaml:"arousal"`
	Valence float64            `yaml:"valence"`
	Base    *struct {
		Arousal float64 `yaml:"arousal"`
		Valence float64 `yaml:"valence"`
		N       int     `yaml:"n"`
	} `yaml:"base"`
	Window bool `yaml:"window"` // a rolling-window cue instead of an utterance cue
}

type stepDyn struct {
	Silence            float64 `yaml:"silence"`
	CustomerTalk       float64 `yaml:"customer_talk"`
	AgentTalk          float64 `yaml:"agent_talk"`
	AgentInterruptions int     `yaml:"agent_interruptions"`
}

type wantHint struct {
	Rule     string     `yaml:"rule"`
	At       float64    `yaml:"at"`
	Priority string     `yaml:"priority"`
	Evidence []wantEvid `yaml:"evidence"`
}

// wantEvid must match one evidence item of the hint: its kind, a substring of its detail
// (the words, the emotion change) and, when given, its time.
type wantEvid struct {
	Kind string   `yaml:"kind"`
	Has  string   `yaml:"has"`
	T    *float64 `yaml:"t"`
}

// recorder is the call's Emitter for one analyzer: it keeps what was emitted.
type recorder struct{ evs []event.Event }

func (r *recorder) Emit(party event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	r.evs = append(r.evs, event.Event{V: event.Version, Type: typ, Party: party, T: t.Seconds(), Data: data})
}

func shippedEngine(t testing.TB) *Engine {
	t.Helper()
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Playbooks: pbs})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// events turns a scenario into the events the joiner would hand the engine, payloads of
// the same types the live stages emit (emotion as a pointer, as internal/emotion does).
func (sc *scenario) events() []event.Event {
	evs := []event.Event{{Type: event.CallStarted, Data: &event.CallStartedData{Source: "test",
		Meta: map[string]string{"playbook": sc.Playbook, "queue": sc.Queue, "team": sc.Team}}}}
	seg := 0
	for _, s := range sc.Steps {
		at := s.At
		if e := s.Emotion; e != nil {
			d := &event.EmotionData{Probs: e.Probs, Arousal: e.Arousal, Valence: e.Valence,
				Kind: event.EmotionUtterance, Start: math.Max(0, at-3), End: at}
			if e.Window {
				d.Kind = event.EmotionWindow
			}
			for c, p := range e.Probs {
				if d.Top == "" || p > e.Probs[d.Top] {
					d.Top = c
				}
			}
			d.Confidence = e.Probs[d.Top]
			if e.Base != nil {
				d.Baseline = event.BaselineDelta{Arousal: e.Base.Arousal, Valence: e.Base.Valence, N: e.Base.N}
			}
			evs = append(evs, event.Event{Type: event.Emotion, Party: event.Customer, T: at, Data: d})
		}
		for _, u := range []struct {
			p    event.Party
			text string
		}{{event.Customer, s.Customer}, {event.Agent, s.Agent}} {
			if u.text == "" {
				continue
			}
			seg++
			n := float64(len(strings.Fields(u.text)))
			src, conf := event.TranscriptSourceIntegrator, 0.9
			if u.p == event.Customer && s.Source != "" {
				src = s.Source
			}
			if u.p == event.Customer && s.Conf != nil {
				conf = *s.Conf
			}
			evs = append(evs, event.Event{Type: event.Transcript, Party: u.p, T: at, Data: &event.TranscriptData{
				Segment: fmt.Sprintf("%s-%d", u.p, seg), Start: math.Max(0, at-0.35*n), End: at, Text: u.text,
				Final: !s.Partial, Lang: sc.Lang, Confidence: conf, Source: src}})
		}
		if in := s.Intent; in != nil {
			d := event.IntentData{Intent: in.ID, Confidence: in.P, Lang: sc.Lang, Evidence: in.Evidence,
				Abstained: in.ID == "out_of_scope", End: at}
			if s.Customer != "" {
				d.Segment = fmt.Sprintf("%s-%d", event.Customer, seg-btoi(s.Agent != ""))
			}
			for _, n := range in.Needs {
				d.Needs = append(d.Needs, event.NeedScore{ID: n.ID, Confidence: n.P, Evidence: n.Evidence})
			}
			evs = append(evs, event.Event{Type: event.Intent, Party: event.Customer, T: at, Data: &d})
		}
		if dy := s.Dynamics; dy != nil {
			d := event.DynamicsData{T: at, Talk: event.TalkShares{Customer: dy.CustomerTalk, Agent: dy.AgentTalk},
				TalkRatio: 0.5, SilenceNowS: dy.Silence, Interruptions: event.PartyCounts{Agent: dy.AgentInterruptions}}
			if tot := dy.CustomerTalk + dy.AgentTalk; tot > 0 {
				d.TalkRatio = dy.AgentTalk / tot
			}
			evs = append(evs, event.Event{Type: event.Dynamics, T: at, Data: &d})
		}
		if s.Alert != "" {
			evs = append(evs, event.Event{Type: event.Alert, Party: event.Agent, T: at, Data: &event.AlertData{
				Kind: s.Alert, Severity: event.SeverityWarning, Start: at, Source: "dynamics"}})
		}
	}
	for i := range evs {
		evs[i].V, evs[i].Seq = event.Version, uint64(i+1)
	}
	return evs
}

// play runs the scenario through one call analyzer the way the joiner does: every event
// in order, the analyzer's own hints handed back to it as well (it must ignore them).
func play(e *Engine, sc *scenario) []event.Event {
	a := e.Factory()("scenario-" + sc.Name)
	rec := &recorder{}
	var got []event.Event
	for _, ev := range sc.events() {
		a.Event(&ev, rec)
		for len(rec.evs) > 0 {
			out := rec.evs
			rec.evs = nil
			for i := range out {
				a.Event(&out[i], rec)
				if out[i].Type == event.Hint {
					got = append(got, out[i])
				}
			}
		}
	}
	a.Close(rec)
	return got
}

func loadScenarios(t *testing.T) []*scenario {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	var out []*scenario
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sc scenario
		if err := yaml.Unmarshal(b, &sc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if sc.Name == "" {
			sc.Name = strings.TrimSuffix(filepath.Base(f), ".yaml")
		}
		out = append(out, &sc)
	}
	return out
}

// TestScenarios plays every scripted call against the shipped playbooks: each must raise
// exactly the hints it lists, in order, at the listed media time, with the listed evidence.
func TestScenarios(t *testing.T) {
	e := shippedEngine(t)
	langs, sectors, neutral := map[string]int{}, map[string]int{}, 0
	for _, sc := range loadScenarios(t) {
		langs[sc.Lang]++
		sectors[sc.Playbook]++
		if len(sc.Expect) == 0 {
			neutral++
		}
		t.Run(sc.Name, func(t *testing.T) {
			got := play(e, sc)
			for i, ev := range got {
				h := (*ev.Data.(*event.HintData))
				t.Logf("hint %d at %.2f: %s %s %v", i+1, ev.T, h.Rule, h.Priority, h.Evidence)
			}
			if len(got) != len(sc.Expect) {
				t.Fatalf("%d hints, want %d (%v)", len(got), len(sc.Expect), rulesOf(got))
			}
			for i, w := range sc.Expect {
				checkHint(t, i+1, got[i], w, sc.Lang)
			}
		})
	}
	if langs["nl"] < 3 || langs["en"] < 3 || len(sectors) < 5 || neutral < 4 {
		t.Errorf("scenario coverage too thin: languages %v, playbooks %v, neutral calls %d", langs, sectors, neutral)
	}
}

func rulesOf(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%s@%.1f", (*ev.Data.(*event.HintData)).Rule, ev.T)
	}
	return out
}

func checkHint(t *testing.T, n int, ev event.Event, w wantHint, lang string) {
	t.Helper()
	hp, ok := ev.Data.(*event.HintData)
	if !ok || ev.Type != event.Hint {
		t.Fatalf("hint %d: event %s with %T", n, ev.Type, ev.Data)
	}
	h := *hp
	if h.Rule != w.Rule {
		t.Errorf("hint %d: rule %s, want %s", n, h.Rule, w.Rule)
	}
	if math.Abs(ev.T-w.At) > 0.01 {
		t.Errorf("hint %d (%s): raised at %.2f s, want %.2f s", n, h.Rule, ev.T, w.At)
	}
	if h.ID != HintID(n, h.Rule) || RuleOf(h.ID) != h.Rule {
		t.Errorf("hint %d: id %q", n, h.ID)
	}
	if w.Priority != "" && h.Priority != w.Priority {
		t.Errorf("hint %d (%s): priority %s, want %s", n, h.Rule, h.Priority, w.Priority)
	}
	if h.Lang != lang || h.Title.NL == "" || h.Title.EN == "" || h.Phrasing.NL == "" || h.Underlying.EN == "" {
		t.Errorf("hint %d (%s): lang %q (want %q) or texts missing: %+v", n, h.Rule, h.Lang, lang, h)
	}
	if !strings.HasPrefix(h.Rule, h.Playbook+".") {
		t.Errorf("hint %d: playbook %q does not name rule %q", n, h.Playbook, h.Rule)
	}
	if len(h.Evidence) == 0 {
		t.Errorf("hint %d (%s): no evidence", n, h.Rule)
	}
	for _, we := range w.Evidence {
		if !slices.ContainsFunc(h.Evidence, func(e event.Evidence) bool {
			return (we.Kind == "" || e.Kind == we.Kind) && strings.Contains(e.Detail, we.Has) &&
				(we.T == nil || math.Abs(e.T-*we.T) < 0.01)
		}) {
			t.Errorf("hint %d (%s): no %s evidence with %q at %v in %+v", n, h.Rule, we.Kind, we.Has, tOf(we.T), h.Evidence)
		}
	}
}

func tOf(p *float64) any {
	if p == nil {
		return "any time"
	}
	return *p
}

// TestScenarioThroughCall drives a real call registry with the engine as its joiner, so
// the engine sees events exactly as the call hands them over (sequence, payload values,
// its own hints coming back) and its hints reach the call's stream.
func TestScenarioThroughCall(t *testing.T) {
	e := shippedEngine(t)
	var sc *scenario
	for _, s := range loadScenarios(t) {
		if s.Name == "energy_nl_payment_trouble" {
			sc = s
		}
	}
	if sc == nil {
		t.Fatal("scenario energy_nl_payment_trouble missing")
	}
	pub := make(chan event.Raw, 256)
	reg := call.NewRegistry(call.Config{Joiners: []call.CallAnalyzerFactory{e.Factory()},
		Publish: func(r event.Raw) { pub <- r }})
	c, _, err := reg.Open(call.OpenParams{ID: "c1", Source: "test", Meta: map[string]string{"playbook": sc.Playbook}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range sc.events()[1:] { // call.started comes from Open
		c.Emit(ev.Party, time.Duration(ev.T*float64(time.Second)), ev.Data.(event.Payload))
	}
	c.End("hangup")
	var hints []string
	for len(pub) > 0 {
		r := <-pub
		if r.Type == event.Hint {
			hints = append(hints, string(r.Body))
		}
	}
	if len(hints) != len(sc.Expect) {
		t.Fatalf("%d hints on the stream, want %d: %v", len(hints), len(sc.Expect), hints)
	}
	if !strings.Contains(hints[0], `"rule":"`+sc.Expect[0].Rule+`"`) || !strings.Contains(hints[0], `"id":"1-`) {
		t.Errorf("first hint %s", hints[0])
	}
}

// TestGuardsAreWhatKeepHintsBack replays scenarios with one flooding guard turned off:
// the hints the guard held back must then appear, so the scenarios above pass because
// of the guard and not by accident.
func TestGuardsAreWhatKeepHintsBack(t *testing.T) {
	byName := map[string]*scenario{}
	for _, s := range loadScenarios(t) {
		byName[s.Name] = s
	}
	cases := []struct {
		name, scenario string
		cfg            Config
		tweak          func([]*Playbook)
		want           []string // rule@time
	}{
		{name: "no need de-duplication", scenario: "telecom_en_interruptions_dedupe", cfg: Config{Dedupe: time.Nanosecond},
			want: []string{"telecom.repeat_contact@6.0", "telecom.outage_repeat@30.0", "telecom.outage_work_dependent@40.0",
				"telecom.outage_repeat@300.0", "telecom.agent_overtalk@360.0"}},
		{name: "no gap between hints", scenario: "telecom_nl_outage_escalation", cfg: Config{MinGap: time.Nanosecond, Dedupe: time.Nanosecond},
			want: []string{"telecom.outage_work_dependent@5.0", "general.urgency@12.0", "telecom.repeat_contact@18.0",
				"telecom.escalating_customer@30.0", "telecom.agent_overtalk@33.0"}},
		{name: "no rule cooldown", scenario: "banking_en_cooldown", cfg: Config{Dedupe: time.Nanosecond},
			tweak: func(pbs []*Playbook) {
				for _, pb := range pbs {
					for i := range pb.Rules {
						pb.Rules[i].Cooldown = Duration(time.Nanosecond)
					}
				}
			},
			want: []string{"banking.escalating_customer@30.0", "banking.escalating_customer@40.0", "banking.escalating_customer@50.0",
				"banking.escalating_customer@215.0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := byName[c.scenario]
			if sc == nil {
				t.Fatalf("no scenario %s", c.scenario)
			}
			// A fresh copy of the playbooks: tweaks must not leak into other tests.
			fresh, err := LoadFS(models.FS, "playbooks")
			if err != nil {
				t.Fatal(err)
			}
			if c.tweak != nil {
				c.tweak(fresh)
			}
			cfg := c.cfg
			cfg.Playbooks = fresh
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := rulesOf(play(e, sc)); !slices.Equal(got, c.want) {
				t.Errorf("hints %v\nwant      %v", got, c.want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestPlaybookSelection: the call meta "playbook" names the sector playbooks a call
// gets on top of the general rules; an unknown name, like no name, means the general
// rules only — never every playbook.
func TestPlaybookSelection(t *testing.T) {
	e := shippedEngine(t)
	var fraud *scenario
	for _, s := range loadScenarios(t) {
		if s.Name == "banking_en_fraud" {
			fraud = s
		}
	}
	if fraud == nil {
		t.Fatal("scenario banking_en_fraud missing")
	}
	for meta, want := range map[string][]string{
		"telecom":          {"general.security_worry@9.5", "telecom.escalating_customer@38.0"},
		" Telecom,banking": {"banking.fraud_block_first@9.5", "telecom.escalating_customer@38.0"}, // equal priority: the order named
		"no_such_sector":   {"general.security_worry@9.5", "general.escalating_customer@38.0"},
		"":                 {"general.security_worry@9.5", "general.escalating_customer@38.0"},
	} {
		sc := *fraud
		sc.Playbook = meta
		if got := rulesOf(play(e, &sc)); !slices.Equal(got, want) {
			t.Errorf("playbook %q: hints %v, want %v", meta, got, want)
		}
	}
}

// BenchmarkEvent is the engine's cost per event with every shipped playbook active (the
// worst case: no call meta narrows them), over the scripted calls.
func BenchmarkEvent(b *testing.B) {
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Config{Playbooks: pbs})
	if err != nil {
		b.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	var all [][]event.Event
	n := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		var sc scenario
		if err := yaml.Unmarshal(src, &sc); err != nil {
			b.Fatal(err)
		}
		sc.Playbook = ""
		evs := sc.events()
		all = append(all, evs)
		n += len(evs)
	}
	rec := &recorder{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, evs := range all {
			a := e.Factory()(fmt.Sprintf("bench-%d", j))
			for k := range evs {
				a.Event(&evs[k], rec)
			}
			a.Close(rec)
			rec.evs = rec.evs[:0]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}
