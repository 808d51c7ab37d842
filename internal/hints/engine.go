package hints

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/transcript"
)

// GeneralPlaybook is the playbook every call gets, whatever its sector.
const GeneralPlaybook = "general"

// Config configures the engine. Zero fields take the defaults in brackets.
type Config struct {
	// Playbooks is required. Every call gets the GeneralPlaybook (when loaded) plus the
	// sector playbooks its call.started meta names: "playbook" (comma-separated) when
	// given, else Sectors[queue], else Sectors[team], else Sectors["*"]; a call with no
	// sector gets the general rules only. A sector rule replaces the general rule with
	// the same id.
	Playbooks []*Playbook
	// Sectors maps a queue or team (case-insensitive) to sector playbooks,
	// comma-separated: {"mobiel": "telecom", "particulier-bank": "banking"}. The key "*"
	// is the sector of calls whose queue and team are not listed.
	Sectors map[string]string
	// Gates: an embedded recogniser's utterance below its engine's gate is not matched
	// by any rule, nor are intents derived from it [transcript.DefaultGates].
	Gates transcript.Gates
	// IntegratorMinConfidence: an integrator's transcript at or above this confidence is
	// "confident": a need the model read in it is enough on its own for a high-priority
	// hint, unless the model read the utterance as a general information question. The
	// topic (an intent, a rule's words) never is, confident or not; see corroborate.go
	// [0.7].
	IntegratorMinConfidence float64
	// DefaultLang is the hint language until a transcript names one [nl].
	DefaultLang string
	// MinGap is the least media time between two hints, unless the second is high
	// priority [15s].
	MinGap time.Duration
	// Dedupe: a need is not hinted again within this, unless by a higher-priority rule [3m].
	Dedupe time.Duration
	// A customer utterance repeats an earlier one (dynamics.repeated_question) when it
	// comes 10 s to RepeatWindow later and shares RepeatOverlap of the shorter one's
	// content words [3m, 0.75].
	RepeatWindow  time.Duration
	RepeatOverlap float64
	// FeedbackWindow is how long after a call ends its hints may still be rated: agents
	// rate during wrap-up. It should not exceed the hub's history TTL (10m), after which
	// a late event would start a new, never-swept topic for the call [10m].
	FeedbackWindow time.Duration
	Now            func() time.Time // wall clock for the feedback window [time.Now]
}

func (c *Config) defaults() {
	if c.DefaultLang == "" {
		c.DefaultLang = "nl"
	}
	if c.MinGap <= 0 {
		c.MinGap = 15 * time.Second
	}
	if c.Dedupe <= 0 {
		c.Dedupe = 3 * time.Minute
	}
	if c.RepeatWindow <= 0 {
		c.RepeatWindow = 3 * time.Minute
	}
	if c.RepeatOverlap <= 0 {
		c.RepeatOverlap = 0.75
	}
	if c.IntegratorMinConfidence <= 0 {
		c.IntegratorMinConfidence = 0.7
	}
	if c.FeedbackWindow <= 0 {
		c.FeedbackWindow = 10 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine holds compiled playbooks; it is shared read-only by every call.
type Engine struct {
	cfg        Config
	rules      []*rule
	byPlaybook map[string][]*rule
	byKey      map[string]*rule
	general    []*rule // rules of GeneralPlaybook: every call's
	sectors    map[string]string
	led        *ledger
	nWords     int // alternatives with words, across all playbooks
}

// New compiles the playbooks (already validated by Parse or LoadFS).
func New(cfg Config) (*Engine, error) {
	cfg.defaults()
	if len(cfg.Playbooks) == 0 {
		return nil, fmt.Errorf("hints: no playbooks: %w", ErrInvalid)
	}
	e := &Engine{cfg: cfg, byPlaybook: map[string][]*rule{}, byKey: map[string]*rule{},
		sectors: map[string]string{}, led: newLedger(cfg.FeedbackWindow, cfg.Now)}
	for _, pb := range cfg.Playbooks {
		rs := compile(pb, &e.nWords)
		e.rules = append(e.rules, rs...)
		e.byPlaybook[pb.Name] = rs
		for _, r := range rs {
			e.byKey[r.key] = r
		}
	}
	e.general = e.byPlaybook[GeneralPlaybook]
	for k, v := range cfg.Sectors {
		for _, name := range strings.Split(v, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" && e.byPlaybook[name] == nil {
				return nil, fmt.Errorf("hints: sectors: %q maps to playbook %q, which is not loaded: %w", k, name, ErrInvalid)
			}
		}
		e.sectors[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return e, nil
}

// Factory returns the call analyzer factory for server.Options.Joiners.
func (e *Engine) Factory() call.CallAnalyzerFactory {
	return func(id string) call.CallAnalyzer { return e.newCall(id) }
}

// Rules returns the number of rules loaded.
func (e *Engine) Rules() int { return len(e.rules) }

func (e *Engine) newCall(id string) *analyzer {
	return &analyzer{e: e, id: id, rules: e.general, fired: map[string]float64{}, needAt: map[string]needMark{},
		lastHint: math.Inf(-1)}
}

type needMark struct {
	t    float64
	prio int
}

// analyzer is the hint engine for one call.
type analyzer struct {
	e        *Engine
	id       string // call id: the ledger's key
	opened   bool   // registered in the ledger
	rules    []*rule
	st       callState
	fired    map[string]float64 // rule key → media time it last fired
	needAt   map[string]needMark
	lastHint float64
	n        int
}

var _ call.CallAnalyzer = (*analyzer)(nil)

// Event implements call.CallAnalyzer.
func (a *analyzer) Event(ev *event.Event, emit call.Emitter) {
	s := &a.st
	if !a.opened {
		a.opened = true
		a.e.led.open(a.id, emit)
	}
	switch ev.Type {
	case event.CallStarted:
		if in, ok := ev.Data.(*event.CallStartedData); ok {
			a.rules = a.e.rulesFor(in.Meta)
		}
		return
	case event.Transcript:
		d, ok := ev.Data.(*event.TranscriptData)
		if !ok || !d.Final {
			return
		}
		if d.Lang != "" {
			s.lang = d.Lang
		}
		s.tick(ev.T)
		// Only the customer's words are matched, but the agent's turn moves time on: a
		// hint held back by the gap between hints may be raised now. Words below their
		// recogniser's gate are not matched at all, nor is what was derived from them.
		if ev.Party == event.Customer {
			if !a.e.cfg.Gates.Pass(d) {
				s.gate(d.Segment)
				break
			}
			confident := transcript.FromIntegrator(d) && d.Confidence >= a.e.cfg.IntegratorMinConfidence
			s.addUtterance(ev.T, d, confident, a.e.cfg.RepeatWindow.Seconds(), a.e.cfg.RepeatOverlap, a.e.nWords)
		}
	case event.Intent:
		d, ok := ev.Data.(*event.IntentData)
		if !ok || ev.Party != event.Customer || s.gated(d.Segment) {
			return
		}
		s.tick(ev.T)
		s.intents = trim(append(s.intents, intentObs{t: ev.T, d: *d}), func(o intentObs) float64 { return o.t }, s.now)
	case event.Emotion:
		d, ok := ev.Data.(*event.EmotionData)
		if !ok || ev.Party != event.Customer {
			return
		}
		s.tick(ev.T)
		s.emos = trim(append(s.emos, emoObs{t: ev.T, d: *d}), func(o emoObs) float64 { return o.t }, s.now)
	case event.Dynamics:
		d, ok := ev.Data.(*event.DynamicsData)
		if !ok {
			return
		}
		s.tick(ev.T)
		s.addDynamics(ev.T, *d)
	case event.Alert:
		d, ok := ev.Data.(*event.AlertData)
		if !ok || d.Kind != event.AlertAgentOvertalk {
			return
		}
		s.tick(ev.T)
		s.overtalk = trim(append(s.overtalk, ev.T), func(v float64) float64 { return v }, s.now)
	default:
		return
	}
	a.evaluate(emit)
}

// Tick implements call.CallAnalyzer; the engine is driven by events (dynamics events
// carry the passing of time).
func (a *analyzer) Tick(time.Duration, call.Emitter) {}

// Close implements call.CallAnalyzer: the call's hints stay rateable for the feedback
// window.
func (a *analyzer) Close(call.Emitter) { a.e.led.ended(a.id) }

// rulesFor returns the rules of a call with this call.started meta: the sector
// playbooks it names (meta "playbook"; else its queue's or team's sector) in the order
// named, then the general rules no sector rule replaces. Unknown names are skipped: a
// call with no known sector gets the general rules only, never every playbook.
func (e *Engine) rulesFor(meta map[string]string) []*rule {
	spec := strings.TrimSpace(meta["playbook"])
	for _, k := range []string{meta["queue"], meta["team"], "*"} {
		if spec != "" {
			break
		}
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			spec = e.sectors[k]
		}
	}
	if spec == "" {
		return e.general
	}
	var rs []*rule
	ids := map[string]bool{}
	seen := map[string]bool{}
	for _, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(strings.ToLower(name))
		if seen[name] || name == GeneralPlaybook {
			continue
		}
		seen[name] = true
		for _, r := range e.byPlaybook[name] {
			rs = append(rs, r)
			ids[r.spec.ID] = true
		}
	}
	if len(rs) == 0 {
		return e.general
	}
	for _, r := range e.general {
		if !ids[r.spec.ID] {
			rs = append(rs, r)
		}
	}
	return rs
}

// evaluate raises at most one hint: the highest-priority rule that matches on evidence
// newer than its last hint, outside its cooldown, its need's de-duplication window and
// the gap between hints.
func (a *analyzer) evaluate(emit call.Emitter) {
	now := a.st.now
	cfg := &a.e.cfg
	var best *rule
	var bestEv []event.Evidence
	for _, r := range a.rules {
		if best != nil && r.prio <= best.prio {
			continue
		}
		last, fired := a.fired[r.key]
		if fired && now-last < r.cooldown {
			continue
		}
		if r.prio < priorities["high"] && now-a.lastHint < cfg.MinGap.Seconds() {
			continue
		}
		if need := r.spec.Hint.Need; need != "" {
			if m, ok := a.needAt[need]; ok && now-m.t < cfg.Dedupe.Seconds() && r.prio <= m.prio {
				continue
			}
		}
		ev := r.match(&a.st)
		if ev == nil || fired && newest(ev) <= last {
			continue
		}
		if r.prio >= priorities["high"] {
			var ok bool
			if ev, ok = r.corroborate(&a.st, ev); !ok {
				continue
			}
		}
		best, bestEv = r, ev
	}
	if best == nil {
		return
	}
	a.fired[best.key] = now
	a.lastHint = now
	if need := best.spec.Hint.Need; need != "" {
		a.needAt[need] = needMark{t: now, prio: best.prio}
	}
	a.n++
	id := HintID(a.n, best.key)
	a.e.led.raised(a.id, id, best.key)
	h := best.spec.Hint
	lang := a.st.lang
	if lang != "nl" && lang != "en" {
		lang = cfg.DefaultLang
	}
	slices.SortStableFunc(bestEv, func(x, y event.Evidence) int {
		switch {
		case x.T < y.T:
			return -1
		case x.T > y.T:
			return 1
		}
		return 0
	})
	for i := range bestEv {
		bestEv[i].T = math.Round(bestEv[i].T*100) / 100
	}
	emit.Emit("", time.Duration(now*float64(time.Second)), &event.HintData{
		ID: id, Rule: best.key, Playbook: best.playbook,
		Title: event.Localized{NL: h.Title.NL, EN: h.Title.EN}, Need: h.Need,
		Underlying: event.Localized{NL: h.Underlying.NL, EN: h.Underlying.EN},
		Phrasing:   event.Localized{NL: h.Phrasing.NL, EN: h.Phrasing.EN},
		Priority:   h.Priority, Evidence: bestEv, Lang: lang,
	})
}

// HintID is the id of the n-th hint of a call, raised by the rule with key
// "playbook.rule": "3-banking.fraud_reassure". RuleOf reverses it.
func HintID(n int, ruleKey string) string { return fmt.Sprintf("%d-%s", n, ruleKey) }

// RuleOf returns the rule key a hint id names, or "" when id is not a hint id.
func RuleOf(id string) string {
	n, key, ok := strings.Cut(id, "-")
	if !ok || n == "" || key == "" || strings.Trim(n, "0123456789") != "" {
		return ""
	}
	return key
}
