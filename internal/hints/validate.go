package hints

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// validate returns every problem, each "line N: …".
func (pb *Playbook) validate() []string {
	var errs []string
	add := func(line int, format string, a ...any) {
		errs = append(errs, fmt.Sprintf("line %d: %s", line, fmt.Sprintf(format, a...)))
	}
	if !idRe.MatchString(pb.Name) {
		add(1, "playbook: name %q: want lower-case letters, digits and _ (e.g. banking)", pb.Name)
	}
	if pb.Version != SchemaVersion {
		add(1, "version: %d: this engine reads version %d", pb.Version, SchemaVersion)
	}
	d := pb.Defaults
	if d.MinIntentConfidence < 0 || d.MinIntentConfidence > 1 || d.MinNeedConfidence < 0 || d.MinNeedConfidence > 1 {
		add(1, "defaults: confidences are between 0 and 1")
	}
	if len(pb.Rules) == 0 {
		add(1, "rules: the playbook has no rules")
	}
	ids := map[string]int{}
	for i := range pb.Rules {
		r := &pb.Rules[i]
		line := r.Line
		where := fmt.Sprintf("rule %q", r.ID)
		if !idRe.MatchString(r.ID) {
			add(line, "rule %d: id %q: want lower-case letters, digits and _", i+1, r.ID)
			where = fmt.Sprintf("rule %d", i+1)
		} else if prev, ok := ids[r.ID]; ok {
			add(line, "%s: id already used by the rule at line %d", where, prev)
		}
		ids[r.ID] = line
		if r.Cooldown < 0 || r.Cooldown.D() > time.Hour {
			add(line, "%s: cooldown %v: want 0 to 1h", where, r.Cooldown.D())
		}
		if len(r.When) == 0 {
			add(line, "%s: when: no conditions (the rule would never fire)", where)
		}
		for _, w := range r.When {
			for _, p := range w.problems() {
				add(max(w.Line, line), "%s: when.%s", where, p)
			}
		}
		for _, p := range r.Hint.problems() {
			add(line, "%s: hint.%s", where, p)
		}
	}
	return errs
}

func (w *When) problems() []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	conds := 0
	for _, id := range w.Intents {
		if !intents[id] {
			bad("intents: unknown intent %q (TAXONOMY.md ids: %s)", id, keys(intents))
		}
	}
	for _, id := range w.Needs {
		if !needs[id] {
			bad("needs: unknown need %q (TAXONOMY.md ids: %s)", id, keys(needs))
		}
	}
	conds += len(w.Intents) + len(w.Needs)
	for lang, phrases := range w.Words {
		if !langs[lang] {
			bad("words: language %q: want nl, en or any", lang)
		}
		for _, p := range phrases {
			if strings.TrimSpace(p) == "" || len(normalize(p)) == 0 {
				bad("words.%s: an empty phrase", lang)
			} else if strings.Count(p, "*") > 1 || strings.Contains(p, "*") && !strings.HasSuffix(p, "*") {
				bad("words.%s: %q: * may only end the phrase (a word prefix)", lang, p)
			}
		}
		conds += len(phrases)
	}
	if e := w.Emotion; e != nil {
		n := len(e.Top)
		for _, c := range e.Top {
			if !emotions[c] {
				bad("emotion.top: unknown class %q (neutral, angry, happy, sad, fearful)", c)
			}
		}
		if e.MinProb < 0 || e.MinProb > 1 {
			bad("emotion.min_prob %v: want 0..1", e.MinProb)
		}
		if e.ArousalAboveBaseline < 0 || e.ArousalAboveBaseline > 2 {
			bad("emotion.arousal_above_baseline %v: want 0..2", e.ArousalAboveBaseline)
		}
		if e.ValenceBelowBaseline > 0 || e.ValenceBelowBaseline < -2 {
			bad("emotion.valence_below_baseline %v: want −2..0 (a drop)", e.ValenceBelowBaseline)
		}
		for _, r := range []struct {
			name string
			n    int
		}{{"arousal_rising", e.ArousalRising}, {"negative_rising", e.NegativeRising}} {
			if r.n != 0 && (r.n < 2 || r.n > 10) {
				bad("emotion.%s %d: want 2..10 utterances", r.name, r.n)
			}
		}
		if e.MinRise < 0 || e.MinRise > 2 {
			bad("emotion.min_rise %v: want 0..2", e.MinRise)
		}
		if e.ArousalAboveBaseline > 0 {
			n++
		}
		if e.ValenceBelowBaseline < 0 {
			n++
		}
		n += e.ArousalRising + e.NegativeRising
		if n == 0 {
			bad("emotion: no condition (top, arousal_above_baseline, valence_below_baseline, arousal_rising, negative_rising)")
		}
		conds += n
	}
	if d := w.Dynamics; d != nil {
		n := 0
		if d.RepeatedQuestion {
			n++
		}
		if d.AgentOvertalk {
			n++
		}
		if d.SilenceOver < 0 || d.SilenceOver.D() > 10*time.Minute {
			bad("dynamics.silence_over %v: want up to 10m", d.SilenceOver.D())
		} else if d.SilenceOver > 0 {
			n++
		}
		if d.AgentInterruptions < 0 || d.AgentInterruptions > 50 {
			bad("dynamics.agent_interruptions %d: want 1..50", d.AgentInterruptions)
		} else if d.AgentInterruptions > 0 {
			n++
		}
		if d.AgentTalkRatioOver < 0 || d.AgentTalkRatioOver >= 1 {
			bad("dynamics.agent_talk_ratio_over %v: want 0..1", d.AgentTalkRatioOver)
		} else if d.AgentTalkRatioOver > 0 {
			n++
		}
		if n == 0 {
			bad("dynamics: no condition (repeated_question, silence_over, agent_overtalk, agent_interruptions, agent_talk_ratio_over)")
		}
		conds += n
	}
	if w.Within < 0 || w.Within.D() > 30*time.Minute {
		bad("within %v: want up to 30m", w.Within.D())
	}
	if w.MinIntentConfidence < 0 || w.MinIntentConfidence > 1 {
		bad("min_intent_confidence %v: want 0..1", w.MinIntentConfidence)
	}
	if conds == 0 && len(out) == 0 {
		bad("a condition set with no conditions (intents, needs, words, emotion, dynamics)")
	}
	return out
}

func (h *HintSpec) problems() []string {
	var out []string
	text := func(field string, t Text, maxLen int) {
		for _, l := range []struct{ lang, s string }{{"nl", t.NL}, {"en", t.EN}} {
			switch s := strings.TrimSpace(l.s); {
			case s == "":
				out = append(out, fmt.Sprintf("%s.%s: missing (every hint is written in Dutch and English)", field, l.lang))
			case len([]rune(s)) > maxLen:
				out = append(out, fmt.Sprintf("%s.%s: %d characters; keep it under %d so an agent reads it at a glance", field, l.lang, len([]rune(s)), maxLen))
			}
		}
	}
	text("title", h.Title, 60)
	text("underlying", h.Underlying, 200)
	text("phrasing", h.Phrasing, 240)
	if h.Need != "" && !needs[h.Need] {
		out = append(out, fmt.Sprintf("need: unknown need %q (TAXONOMY.md ids: %s)", h.Need, keys(needs)))
	}
	if _, ok := priorities[h.Priority]; !ok {
		out = append(out, fmt.Sprintf("priority: %q: want low, medium or high", h.Priority))
	}
	return out
}

func keys(m map[string]bool) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// applyDefaults fills what a valid playbook left out.
func (pb *Playbook) applyDefaults() {
	d := &pb.Defaults
	if d.Cooldown <= 0 {
		d.Cooldown = Duration(2 * time.Minute)
	}
	if d.Within <= 0 {
		d.Within = Duration(90 * time.Second)
	}
	if d.MinIntentConfidence <= 0 {
		d.MinIntentConfidence = 0.5
	}
	if d.MinNeedConfidence <= 0 {
		d.MinNeedConfidence = 0.5
	}
	for i := range pb.Rules {
		r := &pb.Rules[i]
		if r.Cooldown <= 0 {
			r.Cooldown = d.Cooldown
		}
		for j := range r.When {
			w := &r.When[j]
			if w.Within <= 0 {
				w.Within = d.Within
			}
			if w.MinIntentConfidence <= 0 {
				w.MinIntentConfidence = d.MinIntentConfidence
			}
			if e := w.Emotion; e != nil {
				if e.MinProb <= 0 {
					e.MinProb = 0.5
				}
				if e.MinRise <= 0 {
					e.MinRise = 0.15
				}
			}
		}
	}
}
