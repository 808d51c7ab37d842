package hints

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/transcript"
)

// Scenario is one scripted call of a hint evaluation file (`undertone eval --hints
// FILE.json`): a JSON array of these.
type Scenario struct {
	ID       string   `json:"id"`
	Lang     string   `json:"lang"`     // nl or en
	Playbook string   `json:"playbook"` // call meta "playbook"; may be empty
	Queue    string   `json:"queue"`    // call meta "queue"; mapped to a sector by --sectors
	Turns    []Turn   `json:"turns"`
	Needs    []string `json:"needs"`   // TAXONOMY.md needs a hint should name
	Neutral  bool     `json:"neutral"` // no hint at all should be raised
}

// Turn is one party's utterance.
type Turn struct {
	Party string `json:"party"` // customer or agent
	Text  string `json:"text"`
}

// ScenarioResult is what the chain did with one scenario.
type ScenarioResult struct {
	ID     string   `json:"id"`
	Lang   string   `json:"lang"`
	Want   []string `json:"want,omitempty"`   // expected needs
	Named  []string `json:"named,omitempty"`  // needs named by a raised hint
	Missed []string `json:"missed,omitempty"` // expected needs no hint named
	Rules  []string `json:"rules,omitempty"`  // rules raised, in order
	// Why: per hint raised, its rule, priority and evidence, as the agent would see them.
	Why []string `json:"why,omitempty"`
	// Neutral calls: every hint is a false alarm.
	Neutral bool `json:"neutral,omitempty"`
}

// HintScores summarise an evaluation, overall and per language.
type HintScores struct {
	Calls         int                    `json:"calls"`
	NeedRecall    float64                `json:"need_recall"` // expected needs named / expected needs
	PerNeed       map[string]float64     `json:"need_recall_per_need"`
	AllNamed      float64                `json:"calls_all_needs_named"` // share of non-neutral calls whose needs were all named
	NeutralCalls  int                    `json:"neutral_calls"`
	FalseAlarms   int                    `json:"false_alarm_calls"` // neutral calls with at least one hint
	FalseHints    int                    `json:"false_alarm_hints"` // hints raised on neutral calls
	ExtraNeeds    int                    `json:"extra_needs"`       // needs named on non-neutral calls that were not expected
	ExpectedNeeds int                    `json:"expected_needs"`
	NamedNeeds    int                    `json:"named_needs"`
	PerLang       map[string]*HintScores `json:"per_lang,omitempty"`
	Misses        []ScenarioResult       `json:"misses,omitempty"`

	counts map[string]*needCount // per need, while scoring
}

// EvalParams configure an evaluation run.
type EvalParams struct {
	Engine   *Engine
	Classify transcript.ClassifyFunc
}

// Timing of the scripted calls: speech at 150 words a minute (at least 1.5 s a turn),
// 0.8 s between turns, and 20 s of call after the last turn (the agent's answer, the
// goodbye). The dynamics stage emits a dynamics event about every second of a live call;
// the evaluation does the same with a quiet, polite line (no silence, no overtalk), so a
// hint held back by the 15 s gap between hints may still be raised, as it would be live.
const (
	wordsPerSecond = 2.5
	minTurnS       = 1.5
	gapS           = 0.8
	tailS          = 20.0
	integratorConf = 0.95
)

// Run pushes one scenario through the transcript → intent stage and the hint engine, the
// call analyzers serve runs on a call's joiner, in serve's order, as confident integrator
// transcripts, and returns the hints raised. Events are handed to the analyzers one at a
// time and what they emit follows right after, as on a call's joiner that is not behind: pushing a whole call through a live call.Registry faster than real time
// queues the intent of each line behind the rest of the call and so changes which hints
// the gap between hints lets through.
func (p EvalParams) Run(sc Scenario) ([]event.HintData, error) {
	as := []call.CallAnalyzer{
		transcript.NewIntentFactory(transcript.IntentConfig{Classify: p.Classify})("eval-" + sc.ID),
		p.Engine.Factory()("eval-" + sc.ID),
	}
	j := &syncJoiner{as: as}
	j.Emit("", 0, &event.CallStartedData{Source: "eval",
		Meta: map[string]string{"lang": sc.Lang, "playbook": sc.Playbook, "queue": sc.Queue}})
	t := 2.0
	tick := 1.0
	talk := map[event.Party]float64{}
	dyn := func(until float64) {
		for ; tick <= until; tick++ {
			j.Emit("", secs(tick), &event.DynamicsData{T: tick, TalkRatio: ratio(talk),
				Talk: event.TalkShares{Customer: talk[event.Customer], Agent: talk[event.Agent]}})
		}
	}
	for i, turn := range sc.Turns {
		party := event.Party(turn.Party)
		if party != event.Customer && party != event.Agent {
			return nil, fmt.Errorf("hints: scenario %s turn %d: party %q: want customer or agent", sc.ID, i+1, turn.Party)
		}
		d := max(minTurnS, float64(len(strings.Fields(turn.Text)))/wordsPerSecond)
		dyn(t + d)
		talk[party] += d
		j.Emit(party, secs(t+d), &event.TranscriptData{Segment: fmt.Sprintf("%s-%d", party, i+1),
			Start: t, End: t + d, Text: turn.Text, Final: true, Lang: sc.Lang, Confidence: integratorConf,
			Source: event.TranscriptSourceIntegrator})
		t += d + gapS
	}
	dyn(t + tailS)
	for _, a := range as {
		a.Close(j)
	}
	return j.hints, nil
}

// syncJoiner is a call's joiner without the goroutine: every event goes to every
// analyzer in order, and what they emit is queued and dispatched after it, as the call's
// joiner queues what its analyzers emit (so the hint engine sees a transcript before the
// intent derived from it).
type syncJoiner struct {
	as      []call.CallAnalyzer
	seq     uint64
	queue   []event.Event
	running bool
	hints   []event.HintData
}

func (j *syncJoiner) Emit(party event.Party, t time.Duration, data event.Payload) {
	j.seq++
	j.queue = append(j.queue, event.Event{V: event.Version, Type: data.EventType(), Call: "eval", Seq: j.seq, Party: party,
		T: t.Seconds(), Data: data})
	if h, ok := data.(*event.HintData); ok {
		j.hints = append(j.hints, *h)
	}
	if j.running {
		return
	}
	j.running = true
	for len(j.queue) > 0 {
		ev := j.queue[0]
		j.queue = j.queue[1:]
		for _, a := range j.as {
			a.Event(&ev, j)
		}
	}
	j.running = false
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func ratio(talk map[event.Party]float64) float64 {
	if tot := talk[event.Customer] + talk[event.Agent]; tot > 0 {
		return talk[event.Agent] / tot
	}
	return 0
}

// Evaluate runs every scenario and scores the hints against the expected needs.
func (p EvalParams) Evaluate(ctx context.Context, scs []Scenario) (*HintScores, []ScenarioResult, error) {
	total := &HintScores{PerLang: map[string]*HintScores{}}
	var results []ScenarioResult
	for _, sc := range scs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		hs, err := p.Run(sc)
		if err != nil {
			return nil, nil, err
		}
		r := ScenarioResult{ID: sc.ID, Lang: sc.Lang, Want: sc.Needs, Neutral: sc.Neutral}
		for _, h := range hs {
			r.Rules = append(r.Rules, h.Rule)
			r.Why = append(r.Why, why(h))
			if h.Need != "" && !slices.Contains(r.Named, h.Need) {
				r.Named = append(r.Named, h.Need)
			}
		}
		for _, n := range sc.Needs {
			if !slices.Contains(r.Named, n) {
				r.Missed = append(r.Missed, n)
			}
		}
		results = append(results, r)
		lang := total.PerLang[sc.Lang]
		if lang == nil {
			lang = &HintScores{}
			total.PerLang[sc.Lang] = lang
		}
		for _, s := range []*HintScores{total, lang} {
			s.add(r, len(hs))
		}
	}
	for _, s := range append([]*HintScores{total}, values(total.PerLang)...) {
		s.finish()
	}
	for _, r := range results {
		if len(r.Missed) > 0 || (r.Neutral && len(r.Rules) > 0) {
			total.Misses = append(total.Misses, r)
		}
	}
	return total, results, nil
}

// why is one line saying what a hint rested on: rule, priority and each piece of evidence.
func why(h event.HintData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s):", h.Rule, h.Priority)
	for i, e := range h.Evidence {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s %s at %.1fs", e.Kind, e.Detail, e.T)
	}
	return b.String()
}

func values(m map[string]*HintScores) []*HintScores {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*HintScores, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// needCount counts one need's expected and named cases while scoring.
type needCount struct{ want, named int }

func (s *HintScores) add(r ScenarioResult, nHints int) {
	s.Calls++
	if r.Neutral {
		s.NeutralCalls++
		s.FalseHints += nHints
		if nHints > 0 {
			s.FalseAlarms++
		}
		return
	}
	if s.counts == nil {
		s.counts = map[string]*needCount{}
	}
	nc := s.counts
	for _, n := range r.Want {
		c := nc[n]
		if c == nil {
			c = &needCount{}
			nc[n] = c
		}
		c.want++
		s.ExpectedNeeds++
		if !slices.Contains(r.Missed, n) {
			c.named++
			s.NamedNeeds++
		}
	}
	for _, n := range r.Named {
		if !slices.Contains(r.Want, n) {
			s.ExtraNeeds++
		}
	}
	if len(r.Missed) == 0 {
		s.AllNamed++ // a count until finish
	}
}

func (s *HintScores) finish() {
	nonNeutral := s.Calls - s.NeutralCalls
	if nonNeutral > 0 {
		s.AllNamed /= float64(nonNeutral)
	}
	if s.ExpectedNeeds > 0 {
		s.NeedRecall = float64(s.NamedNeeds) / float64(s.ExpectedNeeds)
	}
	s.PerNeed = map[string]float64{}
	for n, c := range s.counts {
		s.PerNeed[n] = float64(c.named) / float64(c.want)
	}
}
