package hints

import (
	"fmt"
	"math"
	"strings"

	"github.com/undertone/undertone/internal/event"
)

// rule is a playbook rule compiled for matching.
type rule struct {
	key      string // playbook.rule: the id feedback and usefulness are kept under
	playbook string
	spec     *Rule
	alts     []alt
	cooldown float64
	prio     int
}

type alt struct {
	w       *When
	within  float64
	intents map[string]bool
	needs   map[string]bool
	phrases []langPhrase // in a fixed order (any, en, nl; then as written), so evidence is deterministic
	wi      int          // index of this alternative's words in an utterance's match cache
	minNeed float64
}

type langPhrase struct {
	lang string // nl, en or any
	p    phrase
}

// compile compiles a playbook's rules; nWords numbers the alternatives with words across
// every playbook of an engine (their slots in an utterance's match cache).
func compile(pb *Playbook, nWords *int) []*rule {
	out := make([]*rule, 0, len(pb.Rules))
	for i := range pb.Rules {
		r := &pb.Rules[i]
		cr := &rule{key: pb.Name + "." + r.ID, playbook: pb.Name, spec: r,
			cooldown: r.Cooldown.D().Seconds(), prio: priorities[r.Hint.Priority]}
		for j := range r.When {
			w := &r.When[j]
			a := alt{w: w, within: w.Within.D().Seconds(), intents: set(w.Intents...), needs: set(w.Needs...),
				wi: -1, minNeed: pb.Defaults.MinNeedConfidence}
			for _, lang := range []string{"any", "en", "nl"} {
				for _, p := range w.Words[lang] {
					a.phrases = append(a.phrases, langPhrase{lang: lang, p: compilePhrase(p)})
				}
			}
			if len(a.phrases) > 0 {
				a.wi = *nWords
				*nWords++
			}
			cr.alts = append(cr.alts, a)
		}
		out = append(out, cr)
	}
	return out
}

// match returns the evidence of the first alternative that holds now, or nil.
func (r *rule) match(s *callState) []event.Evidence {
	for i := range r.alts {
		if ev := r.alts[i].match(s); ev != nil {
			return ev
		}
	}
	return nil
}

func (a *alt) match(s *callState) []event.Evidence {
	from := s.now - a.within
	var ev []event.Evidence
	w := a.w
	if len(w.Intents) > 0 {
		e, ok := a.matchIntent(s, from)
		if !ok {
			return nil
		}
		ev = append(ev, e)
	}
	if len(w.Needs) > 0 {
		e, ok := a.matchNeed(s, from)
		if !ok {
			return nil
		}
		ev = append(ev, e)
	}
	if len(w.Words) > 0 {
		e, ok := a.matchWords(s, from)
		if !ok {
			return nil
		}
		ev = append(ev, e)
	}
	if w.Emotion != nil {
		e, ok := matchEmotion(w.Emotion, s, from)
		if !ok {
			return nil
		}
		ev = append(ev, e...)
	}
	if w.Dynamics != nil {
		e, ok := matchDynamics(w.Dynamics, s, from)
		if !ok {
			return nil
		}
		ev = append(ev, e...)
	}
	return ev
}

func (a *alt) matchIntent(s *callState, from float64) (event.Evidence, bool) {
	for i := len(s.intents) - 1; i >= 0 && s.intents[i].t >= from; i-- {
		o := s.intents[i]
		if !o.d.Abstained && a.intents[o.d.Intent] && o.d.Confidence >= a.w.MinIntentConfidence {
			detail := fmt.Sprintf("%s %.2f", o.d.Intent, o.d.Confidence)
			if len(o.d.Evidence) > 0 {
				detail += ": " + quoteWords(o.d.Evidence)
			}
			return event.Evidence{Kind: event.EvidenceIntent, Detail: detail, T: o.t}, true
		}
	}
	return event.Evidence{}, false
}

func (a *alt) matchNeed(s *callState, from float64) (event.Evidence, bool) {
	for i := len(s.intents) - 1; i >= 0 && s.intents[i].t >= from; i-- {
		o := s.intents[i]
		for _, n := range o.d.Needs {
			if a.needs[n.ID] && n.Confidence >= a.minNeed {
				detail := fmt.Sprintf("need %s %.2f", n.ID, n.Confidence)
				if len(n.Evidence) > 0 {
					detail += ": " + quoteWords(n.Evidence)
				}
				return event.Evidence{Kind: event.EvidenceIntent, Detail: detail, T: o.t}, true
			}
		}
	}
	return event.Evidence{}, false
}

func (a *alt) matchWords(s *callState, from float64) (event.Evidence, bool) {
	for i := len(s.utts) - 1; i >= 0 && s.utts[i].t >= from; i-- {
		u := &s.utts[i]
		if k := a.hit(u); k >= 0 {
			return event.Evidence{Kind: event.EvidenceWords,
				Detail: fmt.Sprintf("%q in %q", a.phrases[k].p.text, snippet(u.text, 120)), T: u.t}, true
		}
	}
	return event.Evidence{}, false
}

// hit returns the index of the first of a's phrases the utterance contains, or -1. An
// utterance never changes, so the answer is computed once per alternative and kept: rules
// are evaluated on every event, against every utterance still in their window.
func (a *alt) hit(u *utterance) int {
	if c := u.hits[a.wi]; c != 0 {
		return int(c) - 2 // 1: no phrase; k+2: phrase k
	}
	k := -1
	for j, lp := range a.phrases {
		if (lp.lang == "any" || u.lang == "" || u.lang == lp.lang) && lp.p.in(u.words) {
			k = j
			break
		}
	}
	u.hits[a.wi] = int32(k + 2)
	return k
}

func negative(d *event.EmotionData) float64 {
	return d.Probs["angry"] + d.Probs["sad"] + d.Probs["fearful"]
}

func matchEmotion(c *EmotionCond, s *callState, from float64) ([]event.Evidence, bool) {
	var ev []event.Evidence
	if len(c.Top) > 0 || c.ArousalAboveBaseline > 0 || c.ValenceBelowBaseline < 0 {
		if len(s.emos) == 0 || s.emos[len(s.emos)-1].t < from {
			return nil, false
		}
		o := s.emos[len(s.emos)-1]
		d := &o.d
		if len(c.Top) > 0 {
			hit := false
			for _, cl := range c.Top {
				if d.Top == cl && d.Probs[cl] >= c.MinProb {
					hit = true
				}
			}
			if !hit {
				return nil, false
			}
			ev = append(ev, event.Evidence{Kind: event.EvidenceEmotion,
				Detail: fmt.Sprintf("customer sounds %s (%.2f)", d.Top, d.Probs[d.Top]), T: o.t})
		}
		if c.ArousalAboveBaseline > 0 {
			if d.Baseline.N < 2 || d.Baseline.Arousal < c.ArousalAboveBaseline {
				return nil, false
			}
			ev = append(ev, event.Evidence{Kind: event.EvidenceEmotion,
				Detail: fmt.Sprintf("arousal %+.2f above the caller's own baseline", d.Baseline.Arousal), T: o.t})
		}
		if c.ValenceBelowBaseline < 0 {
			if d.Baseline.N < 2 || d.Baseline.Valence > c.ValenceBelowBaseline {
				return nil, false
			}
			ev = append(ev, event.Evidence{Kind: event.EvidenceEmotion,
				Detail: fmt.Sprintf("valence %+.2f below the caller's own baseline", d.Baseline.Valence), T: o.t})
		}
	}
	rising := func(n int, name string, f func(*event.EmotionData) float64) bool {
		var vals []float64
		var last float64
		for i := len(s.emos) - 1; i >= 0 && len(vals) < n; i-- {
			if s.emos[i].d.Kind != event.EmotionUtterance {
				continue
			}
			if s.emos[i].t < from {
				break
			}
			if len(vals) == 0 {
				last = s.emos[i].t
			}
			vals = append(vals, f(&s.emos[i].d))
		}
		if len(vals) < n {
			return false
		}
		// vals is newest first: each step must not fall by more than a little, and the
		// whole rise must reach MinRise.
		for i := 0; i+1 < len(vals); i++ {
			if vals[i] < vals[i+1]-0.05 {
				return false
			}
		}
		rise := vals[0] - vals[len(vals)-1]
		if rise < c.MinRise {
			return false
		}
		parts := make([]string, len(vals))
		for i := range vals {
			parts[len(vals)-1-i] = fmt.Sprintf("%.2f", vals[i])
		}
		ev = append(ev, event.Evidence{Kind: event.EvidenceEmotion,
			Detail: fmt.Sprintf("%s rising over the last %d utterances: %s", name, n, strings.Join(parts, " → ")), T: last})
		return true
	}
	if c.ArousalRising > 0 && !rising(c.ArousalRising, "arousal", func(d *event.EmotionData) float64 { return d.Arousal }) {
		return nil, false
	}
	if c.NegativeRising > 0 && !rising(c.NegativeRising, "negative emotion", negative) {
		return nil, false
	}
	return ev, len(ev) > 0
}

func matchDynamics(c *DynamicsCond, s *callState, from float64) ([]event.Evidence, bool) {
	var ev []event.Evidence
	if c.RepeatedQuestion {
		if len(s.repeats) == 0 || s.repeats[len(s.repeats)-1].t < from {
			return nil, false
		}
		r := s.repeats[len(s.repeats)-1]
		ev = append(ev, event.Evidence{Kind: event.EvidenceDynamics,
			Detail: fmt.Sprintf("customer asks again: %q (earlier: %q)", snippet(r.text, 80), snippet(r.before, 80)), T: r.t})
	}
	if c.SilenceOver > 0 {
		sil := s.dyn.SilenceNowS
		if !s.hasDyn || s.now-s.dynAt > 2 || sil < c.SilenceOver.D().Seconds() {
			return nil, false
		}
		ev = append(ev, event.Evidence{Kind: event.EvidenceDynamics,
			Detail: fmt.Sprintf("%.0f s of silence on the line", sil), T: s.dynAt})
	}
	if c.AgentOvertalk {
		n := len(s.overtalk)
		if n == 0 || s.overtalk[n-1] < from {
			return nil, false
		}
		ev = append(ev, event.Evidence{Kind: event.EvidenceDynamics,
			Detail: "agent talking over the customer", T: s.overtalk[n-1]})
	}
	if c.AgentInterruptions > 0 {
		var n int
		var last float64
		for i := len(s.agentInt) - 1; i >= 0 && s.agentInt[i] >= from; i-- {
			if n == 0 {
				last = s.agentInt[i]
			}
			n++
		}
		if n < c.AgentInterruptions {
			return nil, false
		}
		ev = append(ev, event.Evidence{Kind: event.EvidenceDynamics,
			Detail: fmt.Sprintf("agent cut the customer off %d times", n), T: last})
	}
	if c.AgentTalkRatioOver > 0 {
		d := s.dyn
		if !s.hasDyn || d.Talk.Customer+d.Talk.Agent < 60 || d.TalkRatio < c.AgentTalkRatioOver {
			return nil, false
		}
		ev = append(ev, event.Evidence{Kind: event.EvidenceDynamics,
			Detail: fmt.Sprintf("agent has %.0f%% of the talk time", 100*d.TalkRatio), T: s.dynAt})
	}
	return ev, len(ev) > 0
}

func quoteWords(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(q, ", ")
}

// snippet shortens s to about n runes at a word boundary.
func snippet(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := strings.LastIndexByte(string(r[:n]), ' ')
	if cut < n/2 {
		cut = len(string(r[:n]))
	}
	return strings.TrimSpace(string(r[:n])[:cut]) + "…"
}

func newest(ev []event.Evidence) float64 {
	t := math.Inf(-1)
	for _, e := range ev {
		t = math.Max(t, e.T)
	}
	return t
}
