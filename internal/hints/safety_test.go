package hints

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/models"
)

func parseScenario(t *testing.T, src string) *scenario {
	t.Helper()
	var sc scenario
	if err := yaml.Unmarshal([]byte(src), &sc); err != nil {
		t.Fatal(err)
	}
	return &sc
}

func sectorEngine(t *testing.T, sectors map[string]string) *Engine {
	t.Helper()
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Playbooks: pbs, Sectors: sectors})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A calm caller on a banking-flavoured line: fraud intent and security worry from the
// model, the words "didn't make", a fearful voice. Which hints it gets depends only on
// the call's queue, team and playbook meta.
const fraudCall = `
name: fraud_call
lang: en
steps:
  - at: 9.5
    customer: "hi um there are payments on my account that I didn't make this morning"
    emotion: {probs: {fearful: 0.6, neutral: 0.3, sad: 0.05, angry: 0.03, happy: 0.02}, arousal: 0.35, valence: -0.4}
    intent: {id: fraud_or_security, p: 0.86, needs: [{id: security_worry, p: 0.77}]}
  - at: 20
    agent: "let me have a look"
`

// TestSectorsFollowTheCall: the queue (or else the team) picks the sector through
// Config.Sectors; an explicit playbook meta wins; a queue with no sector gets the
// general rules only. A telecom-queue call never gets a banking hint.
func TestSectorsFollowTheCall(t *testing.T) {
	e := sectorEngine(t, map[string]string{"Mobiel": "telecom", "bank-particulier": "banking", "team-zorg": "insurance,banking"})
	cases := []struct {
		queue, team, playbook string
		want                  []string
	}{
		{queue: "mobiel", want: []string{"general.security_worry@9.5"}},
		{queue: "bank-particulier", want: []string{"banking.fraud_block_first@9.5"}},
		{queue: "onbekend", team: "team-zorg", want: []string{"banking.fraud_block_first@9.5"}},
		{queue: "mobiel", playbook: "banking", want: []string{"banking.fraud_block_first@9.5"}}, // meta wins
		{queue: "onbekend", want: []string{"general.security_worry@9.5"}},
		{want: []string{"general.security_worry@9.5"}},
	}
	for _, c := range cases {
		sc := parseScenario(t, fraudCall)
		sc.Queue, sc.Team, sc.Playbook = c.queue, c.team, c.playbook
		got := play(e, sc)
		if r := rulesOf(got); !slices.Equal(r, c.want) {
			t.Errorf("queue %q team %q playbook %q: hints %v, want %v", c.queue, c.team, c.playbook, r, c.want)
		}
		if c.queue == "mobiel" && c.playbook == "" {
			for _, ev := range got {
				if h := (*ev.Data.(*event.HintData)); h.Playbook == "banking" {
					t.Errorf("telecom queue got banking hint %s", h.Rule)
				}
			}
		}
	}
	star := sectorEngine(t, map[string]string{"*": "banking"})
	if r := rulesOf(play(star, parseScenario(t, fraudCall))); !slices.Equal(r, []string{"banking.fraud_block_first@9.5"}) {
		t.Errorf(`sector "*": hints %v`, r)
	}
	pbs, _ := LoadFS(models.FS, "playbooks")
	if _, err := New(Config{Playbooks: pbs, Sectors: map[string]string{"q1": "bankng"}}); err == nil || !strings.Contains(err.Error(), "bankng") {
		t.Errorf("a sector naming an unknown playbook: err = %v", err)
	}
}

// TestTelecomQueueNeverGetsBankingHints plays every scripted call of the testdata on a
// telecom queue: no hint may come from the banking playbook.
func TestTelecomQueueNeverGetsBankingHints(t *testing.T) {
	e := sectorEngine(t, map[string]string{"mobiel": "telecom"})
	for _, sc := range loadScenarios(t) {
		c := *sc
		c.Playbook, c.Queue = "", "mobiel"
		for _, ev := range play(e, &c) {
			if h := (*ev.Data.(*event.HintData)); h.Playbook != "telecom" && h.Playbook != GeneralPlaybook {
				t.Errorf("%s on a telecom queue: hint %s", sc.Name, h.Rule)
			}
		}
	}
}

// TestMisheardLineRaisesNoHint: an embedded recogniser's line below its gate raises
// nothing — not through its words, nor through an intent derived from it — however
// alarming the words. Above the gate, one signal from a recogniser's words is still not
// enough for a high-priority hint; the customer saying it again is.
func TestMisheardLineRaisesNoHint(t *testing.T) {
	e := shippedEngine(t)
	below := parseScenario(t, `
name: misheard
playbook: banking
lang: en
steps:
  - at: 5
    customer: "and i didn't buy it somebody hacked my account"
    source: pocketsphinx
    conf: 0.000001
    intent: {id: fraud_or_security, p: 0.91, needs: [{id: security_worry, p: 0.95}]}
  - at: 30
    agent: "is there anything else"
`)
	if got := play(e, below); len(got) != 0 {
		t.Errorf("misheard line raised %v", rulesOf(got))
	}
	above := parseScenario(t, `
name: heard_once
playbook: banking
lang: en
steps:
  - at: 5
    customer: "there is a payment i did not recognise"
    source: pocketsphinx
    conf: 0.6
    intent: {id: fraud_or_security, p: 0.91}
  - at: 30
    agent: "let me check"
`)
	if got := play(e, above); len(got) != 0 {
		t.Errorf("one recogniser signal raised %v", rulesOf(got))
	}
	// Said twice is the same topic twice: still no state, still no high-priority hint.
	above.Steps = append(above.Steps, step{At: 40, Customer: "it was a payment i really did not make", Source: "pocketsphinx",
		Conf: ptr(0.7), Intent: &stepInt{ID: "fraud_or_security", P: 0.8}})
	if got := play(e, above); len(got) != 0 {
		t.Errorf("the topic twice raised %v", rulesOf(got))
	}
	// A worried customer is: the need beside the intent corroborates it.
	above.Steps = append(above.Steps, step{At: 50, Customer: "i am really worried they will take more", Source: "pocketsphinx",
		Conf: ptr(0.7), Intent: &stepInt{ID: "fraud_or_security", P: 0.7, Needs: []stepNeed{{ID: "security_worry", P: 0.7}}}})
	got := play(e, above)
	if r := rulesOf(got); !slices.Equal(r, []string{"banking.fraud_block_first@50.0"}) {
		t.Fatalf("topic and a worried customer: hints %v", r)
	}
	if ev := (*got[0].Data.(*event.HintData)).Evidence; len(ev) < 2 {
		t.Errorf("corroborated hint shows one piece of evidence: %+v", ev)
	}
}

func ptr(v float64) *float64 { return &v }

// TestHighPriorityNeedsCorroboration: a fraud hint needs the customer's state — a need
// next to the intent, or a fearful voice — and shows it. The topic alone (the intent) is
// never enough, not even from a confident integrator transcript; a need from one is,
// unless the model read that utterance as a general information question. Lower-priority hints are not held back.
func TestHighPriorityNeedsCorroboration(t *testing.T) {
	e := shippedEngine(t)
	base := `
name: corroboration
playbook: banking
lang: en
steps:
  - at: 5
    customer: "there is a transaction on my statement"
    conf: %s
    intent: {id: fraud_or_security, p: 0.8%s}
%s  - at: 30
    agent: "okay"
`
	cases := []struct {
		name, conf, needs, emo string
		want                   []string
		has                    string
	}{
		{name: "intent alone, unsure integrator", conf: "0.5", want: nil},
		{name: "intent alone, no confidence reported", conf: "0", want: nil},
		{name: "intent and need", conf: "0.5", needs: ", needs: [{id: security_worry, p: 0.7}]",
			want: []string{"banking.fraud_block_first@5.0"}, has: "need security_worry"},
		{name: "intent and a fearful voice", conf: "0.5",
			emo:  "    emotion: {probs: {fearful: 0.7, neutral: 0.2, sad: 0.1}, arousal: 0.5, valence: -0.5}\n",
			want: []string{"banking.fraud_block_first@5.0"}, has: "customer sounds fearful"},
		{name: "intent and a calm voice", conf: "0.5",
			emo:  "    emotion: {probs: {neutral: 0.8, happy: 0.1, fearful: 0.1}, arousal: 0.1, valence: 0.1}\n",
			want: nil},
		{name: "confident integrator, the topic alone", conf: "0.9", want: nil},
		{name: "confident integrator, intent and need", conf: "0.9", needs: ", needs: [{id: security_worry, p: 0.7}]",
			want: []string{"banking.fraud_block_first@5.0"}, has: "need security_worry"},
		{name: "intent and urgency", conf: "0.5", needs: ", needs: [{id: urgency, p: 0.7}]",
			want: []string{"banking.fraud_block_first@5.0", "general.urgency@30.0"}, has: "need urgency"},
	}
	for _, c := range cases {
		src := strings.Replace(base, "conf: %s", "conf: "+c.conf, 1)
		src = strings.Replace(src, "p: 0.8%s}", "p: 0.8"+c.needs+"}", 1)
		src = strings.Replace(src, "%s  - at: 30", c.emo+"  - at: 30", 1)
		sc := parseScenario(t, src)
		got := play(e, sc)
		if r := rulesOf(got); !slices.Equal(r, c.want) && !(len(r) == 0 && len(c.want) == 0) {
			t.Errorf("%s: hints %v, want %v", c.name, r, c.want)
			continue
		}
		if c.has != "" && !slices.ContainsFunc((*got[0].Data.(*event.HintData)).Evidence, func(e event.Evidence) bool {
			return strings.Contains(e.Detail, c.has)
		}) {
			t.Errorf("%s: evidence %+v lacks %q", c.name, (*got[0].Data.(*event.HintData)).Evidence, c.has)
		}
	}
	// A need the model read in one calm question, from a confident integrator, is one
	// detector's opinion: no high-priority hint.
	calm := parseScenario(t, `
name: calm_question
playbook: banking
lang: en
steps:
  - at: 5
    customer: "with those phone scams how would I know it was really you calling"
    conf: 0.95
    intent: {id: information_request, p: 0.67, needs: [{id: security_worry, p: 0.68}]}
  - at: 30
    agent: "we never ask for your PIN"
`)
	if r := rulesOf(play(e, calm)); len(r) != 0 {
		t.Errorf("a need alone in a calm question: hints %v", r)
	}
	// A medium-priority rule fires on one signal from the same unsure transcript.
	sc := parseScenario(t, `
name: medium
playbook: banking
lang: en
steps:
  - at: 5
    customer: "i have called about this twice already"
    conf: 0.5
    intent: {id: complaint, p: 0.7, needs: [{id: repeat_contact, p: 0.8}]}
`)
	if r := rulesOf(play(e, sc)); !slices.Equal(r, []string{"banking.repeat_contact@5.0"}) {
		t.Errorf("medium priority, one signal: hints %v", r)
	}
}
