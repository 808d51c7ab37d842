// Package wallboard turns one call's event stream into call.status events for the
// supervisor wallboard — risk, emotion, silence, talk shares — at most once a second, and
// says which events a supervisor's all-calls websocket carries.
//
// Stage: a call analyzer (internal/call.CallAnalyzer) on the call's joiner goroutine; it
// owns its per-call state and never touches the hot path.
package wallboard

import (
	"math"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// Config tunes the risk score. Zero fields take the defaults in brackets.
type Config struct {
	Every         time.Duration // minimum time between call.status events [1s]
	SilenceRisk   time.Duration // dead air that counts fully towards risk [20s]
	AlertHalfLife time.Duration // how fast an alert's weight fades [60s]
	Trend         int           // utterances in the trend window [3]
	// Heat: the customer's held arousal. Arousal at or above HighArousal holds it (it
	// cannot decay while arousal stays high); only speech that has stayed below
	// HighArousal for CalmFor of media time lets it fall, by CoolRate of the gap per
	// emotion event — a calmer sentence in the middle of a tirade does not.
	HighArousal float64       // [0.2]
	CalmFor     time.Duration // [6s]
	CoolRate    float64       // [0.35]
	Now         func() time.Time
}

func (c *Config) defaults() {
	if c.Every <= 0 {
		c.Every = time.Second
	}
	if c.SilenceRisk <= 0 {
		c.SilenceRisk = 20 * time.Second
	}
	if c.AlertHalfLife <= 0 {
		c.AlertHalfLife = time.Minute
	}
	if c.Trend <= 0 {
		c.Trend = 3
	}
	if c.HighArousal == 0 {
		c.HighArousal = 0.2
	}
	if c.CalmFor <= 0 {
		c.CalmFor = 6 * time.Second
	}
	if c.CoolRate <= 0 || c.CoolRate > 1 {
		c.CoolRate = 0.35
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// NewFactory returns the call analyzer factory of the wallboard stage.
func NewFactory(cfg Config) call.CallAnalyzerFactory {
	cfg.defaults()
	return func(string) call.CallAnalyzer { return &tracker{cfg: cfg, calmSince: -1} }
}

type tracker struct {
	cfg   Config
	dirty bool
	last  time.Duration // elapsed at the last status
	st    event.StatusData

	speaking  [2]bool
	quietFrom float64 // media time both parties went quiet; <0 while someone speaks
	mediaNow  float64
	negHist   []float64 // customer negative share per utterance, newest last
	alertAt   []time.Duration
	elapsed   time.Duration
	heat      float64 // the customer's held arousal, −1..1 (see Config.HighArousal)
	heated    bool    // heat has been set by a first emotion event
	calmSince float64 // media time the customer's arousal fell below HighArousal; <0: not calm
}

func idx(p event.Party) int {
	if p == event.Agent {
		return 1
	}
	return 0
}

// Event implements call.CallAnalyzer.
func (t *tracker) Event(ev *event.Event, _ call.Emitter) {
	t.mediaNow = math.Max(t.mediaNow, ev.T)
	switch ev.Type {
	case event.CallStarted:
		if d, ok := ev.Data.(*event.CallStartedData); ok {
			t.st.Agent = d.Agent
			t.dirty = true
		}
	case event.VAD:
		if d, ok := ev.Data.(*event.VADData); ok {
			t.vad(ev, d)
		}
	case event.Emotion:
		if d, ok := ev.Data.(*event.EmotionData); ok {
			t.emotion(ev.Party, d)
		}
	case event.Alert:
		t.st.Alerts++
		t.alertAt = append(t.alertAt, t.elapsed)
		t.dirty = true
	case event.Hint:
		t.st.Hints++
		t.dirty = true
	}
}

func (t *tracker) vad(ev *event.Event, d *event.VADData) {
	t.speaking[idx(ev.Party)] = d.Speech
	if ev.Party == event.Agent {
		t.st.Talk.Agent = d.TalkS
	} else {
		t.st.Talk.Customer = d.TalkS
	}
	if t.speaking[0] || t.speaking[1] {
		t.quietFrom = -1
	} else if t.quietFrom < 0 {
		t.quietFrom = ev.T
	}
	t.dirty = true
}

func (t *tracker) emotion(p event.Party, d *event.EmotionData) {
	top := d.Top
	if d.Headline != "" {
		top = d.Headline // the class the agent sees, or "unsure"
	}
	ps := &event.PartyStatus{Top: top, Negative: d.Probs["angry"] + d.Probs["fearful"] + d.Probs["sad"],
		NegTop:  topNegative(d.Probs),
		Arousal: d.Arousal, Valence: d.Valence, Confidence: d.Confidence, DeltaA: d.Baseline.Arousal}
	t.dirty = true
	if p == event.Agent {
		t.st.AgentP = ps
		return
	}
	t.warm(d.Arousal, d.End)
	if d.Kind == event.EmotionUtterance {
		t.negHist = append(t.negHist, ps.Negative)
		if len(t.negHist) > t.cfg.Trend {
			t.negHist = t.negHist[len(t.negHist)-t.cfg.Trend:]
		}
	}
	if len(t.negHist) >= 2 {
		ps.Trend = t.negHist[len(t.negHist)-1] - t.negHist[0]
	}
	t.st.Customer = ps
}

// warm updates the held arousal with the customer's latest (absolute, smoothed) arousal
// at media time end: it rises at once, holds while arousal stays at or above HighArousal,
// and falls towards the current arousal only once the customer has sounded calmer than
// that for CalmFor — never merely because time passes, the model wavered for a sentence,
// or the caller's own baseline moved.
func (t *tracker) warm(a, end float64) {
	switch {
	case !t.heated || a >= t.heat:
		t.heat, t.heated, t.calmSince = a, true, -1
	case a >= t.cfg.HighArousal:
		t.calmSince = -1 // still high: hold
	default:
		if t.calmSince < 0 {
			t.calmSince = end
		}
		if end-t.calmSince >= t.cfg.CalmFor.Seconds() {
			t.heat += t.cfg.CoolRate * (a - t.heat)
		}
	}
}

// Tick implements call.CallAnalyzer: it emits a status when something changed and the
// last one is at least Every old (and every 5 s regardless, so silence shows).
func (t *tracker) Tick(elapsed time.Duration, emit call.Emitter) {
	t.elapsed = elapsed
	if elapsed-t.last < t.cfg.Every || (!t.dirty && elapsed-t.last < 5*time.Second) {
		return
	}
	t.emit(elapsed, emit)
}

func (t *tracker) emit(elapsed time.Duration, emit call.Emitter) {
	t.st.Elapsed = math.Round(elapsed.Seconds()*10) / 10
	t.st.Silence = 0
	if t.quietFrom >= 0 && !t.speaking[0] && !t.speaking[1] {
		t.st.Silence = math.Round((elapsed.Seconds()-t.quietFrom)*10) / 10
		t.st.Silence = math.Max(0, t.st.Silence)
	}
	t.st.Risk, t.st.Reasons = t.risk(elapsed)
	st := t.st // a copy: the event must not change after emission
	if st.Customer != nil {
		c := *st.Customer
		st.Customer = &c
	}
	if st.AgentP != nil {
		a := *st.AgentP
		st.AgentP = &a
	}
	emit.Emit("", elapsed, &st)
	t.last, t.dirty = elapsed, false
}

// risk combines, each in [0,1] and weighted: the customer's held arousal (0.6: arousal is
// the most robust emotion signal across speakers, languages and channels, so it drives
// risk; 0 at arousal 0 (undecided) or below, full at +0.6 and above), negative emotion discounted
// when the model is unsure of its class (0.15), arousal above the caller's own calm
// baseline (0.1), a worsening trend (0.05), recent alerts fading with AlertHalfLife (0.1)
// and dead air (0.1). Reasons list the parts that contribute, largest first.
func (t *tracker) risk(elapsed time.Duration) (float64, []string) {
	type part struct {
		w, v float64
		why  string
	}
	var parts []part
	if c := t.st.Customer; c != nil {
		parts = append(parts,
			part{0.6, clamp01(t.heat / 0.6), "high arousal (sustained)"},
			// discounted when the model is unsure of its top class
			part{0.15, clamp01(c.Negative * math.Min(1, c.Confidence/0.5)), "negative emotion (" + c.NegTop + ")"},
			part{0.1, clamp01(c.DeltaA * 2), "arousal above the caller's baseline"},
			part{0.05, clamp01(c.Trend * 2), "getting worse over the last utterances"})
	}
	var alerts float64
	for _, at := range t.alertAt {
		alerts += math.Exp2(-(elapsed - at).Seconds() / t.cfg.AlertHalfLife.Seconds())
	}
	parts = append(parts, part{0.1, clamp01(alerts), "escalation alerts"})
	parts = append(parts, part{0.1, clamp01(t.st.Silence / t.cfg.SilenceRisk.Seconds()), "long silence"})
	var r float64
	reasons := []string{}
	for _, p := range parts {
		r += p.w * p.v
	}
	// Reasons in order of contribution, only those that matter.
	for len(parts) > 0 {
		bi := 0
		for i := range parts {
			if parts[i].w*parts[i].v > parts[bi].w*parts[bi].v {
				bi = i
			}
		}
		if parts[bi].w*parts[bi].v < 0.03 {
			break
		}
		reasons = append(reasons, parts[bi].why)
		parts = append(parts[:bi], parts[bi+1:]...)
	}
	return math.Round(clamp01(r)*100) / 100, reasons
}

// Close implements call.CallAnalyzer.
func (t *tracker) Close(call.Emitter) {}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// SupervisorEvent reports whether an event type goes to the all-calls (wallboard)
// websocket: call lifecycle, statuses, alerts, hints and the agents' ratings of hints (the
// usefulness table updates as agents rate) — never the high-rate cues.
func SupervisorEvent(typ string) bool {
	switch typ {
	case event.CallStarted, event.CallEnded, event.CallStatus, event.Alert, event.Hint, event.HintFeedback:
		return true
	}
	return false
}

// topNegative names the most probable negative class, so a reason never reads "negative
// emotion (happy)" when happy is on top but anger carries the risk.
func topNegative(p map[string]float64) string {
	best, name := -1.0, "angry"
	for _, c := range []string{"angry", "fearful", "sad"} {
		if p[c] > best {
			best, name = p[c], c
		}
	}
	return name
}
