package hints

import (
	"fmt"

	"github.com/undertone/undertone/internal/event"
)

// A high-priority hint ("block the card now", "secure first", "take your time, this is
// a vulnerable customer") that is wrong costs the agent's trust in every later hint. When
// its evidence comes from words — the customer's words themselves, or the intent and
// needs the model read in them — it fires only on real corroboration:
//
//   - a sign of the customer's state: a need the model detected that the rule is about
//     (any need of its alternatives, the hint's own need) or urgency, or the customer's
//     emotion (the latest cue in the rule's window is fearful, angry or sad with p ≥ 0.5,
//     or negative emotion together is ≥ 0.6); and
//   - a second, independent signal beside it: another kind of text evidence, even in the
//     same utterance (the intent and a need, the rule's words and a need), or the same
//     evidence in another utterance. A need from a confident integrator transcript
//     (Config.IntegratorMinConfidence) is enough alone ("I can't pay the bill this month,
//     I've no money left"), unless the model read that utterance as a general
//     information question: a need read in a calm question ("with those phone scams, how
//     would I know it was really you?" gave security_worry) is one detector's opinion.
//
// Topic evidence — the intent and the rule's words — never suffices on its own, however
// confident the transcript and however often it recurs: a calm caller asking how the
// bank protects against fraud names the topic in every sentence, and the classifier may
// read the question as the incident (issue 10, round 2: a neutral fraud-policy question
// raised the fraud hint from a confident integrator transcript).
//
// Emotion and dynamics rules (rising arousal over three utterances, overtalk) are not
// text and are not held back here: they are already observations over time.

// signal is one piece of evidence for a rule, keyed by what makes it independent of
// the others: its kind and the utterance it came from.
type signal struct {
	key       string
	ev        event.Evidence
	text      bool // from words, intents or needs
	state     bool // the customer's state (a need or emotion), not the topic
	confident bool // from a confident integrator transcript
	asking    bool // a need read in an utterance the model took for an information request
}

// corroborate returns the evidence for a high-priority rule that matched with ev, with
// the corroborating evidence added, and whether the rule may fire.
func (r *rule) corroborate(s *callState, ev []event.Evidence) ([]event.Evidence, bool) {
	text := false
	for _, e := range ev {
		if e.Kind == event.EvidenceIntent || e.Kind == event.EvidenceWords {
			text = true
		}
	}
	if !text {
		return ev, true
	}
	sigs := r.signals(s)
	keys := map[string]bool{}
	state, confidentState := false, false
	for _, sg := range sigs {
		keys[sg.key] = true
		state = state || sg.state
		confidentState = confidentState || sg.state && sg.confident && !sg.asking
	}
	if !state || len(keys) < 2 && !confidentState {
		return ev, false
	}
	out := ev
	for _, sg := range sigs {
		if len(out) >= 4 {
			break
		}
		dup := false
		for _, e := range out {
			dup = dup || (e.Kind == sg.ev.Kind && e.Detail == sg.ev.Detail && e.T == sg.ev.T)
		}
		if !dup {
			out = append(out, sg.ev)
		}
	}
	return out, true
}

// signals lists every piece of evidence in the rule's window from the alternatives that
// hold now, one per kind and utterance, plus the customer's emotion when it is negative.
func (r *rule) signals(s *callState) []signal {
	var out []signal
	seen := map[string]bool{}
	add := func(sg signal) {
		if !seen[sg.key] {
			seen[sg.key] = true
			out = append(out, sg)
		}
	}
	within := 0.0
	for i := range r.alts {
		a := &r.alts[i]
		within = max(within, a.within)
		from := s.now - a.within
		if a.match(s) == nil {
			// An alternative that does not hold still lets its window's needs speak for
			// the customer's state.
			r.stateSignals(s, a, from, add)
			continue
		}
		w := a.w
		for j := len(s.intents) - 1; j >= 0 && s.intents[j].t >= from; j-- {
			o := s.intents[j]
			key := o.d.Segment
			if key == "" {
				key = fmt.Sprintf("%.3f", o.t)
			}
			conf := s.confidentSeg(o.d.Segment)
			if len(w.Intents) > 0 && !o.d.Abstained && a.intents[o.d.Intent] && o.d.Confidence >= w.MinIntentConfidence {
				add(signal{key: "intent:" + key, text: true, confident: conf, ev: event.Evidence{Kind: event.EvidenceIntent,
					Detail: fmt.Sprintf("%s %.2f", o.d.Intent, o.d.Confidence), T: o.t}})
			}
			for _, n := range o.d.Needs {
				if r.stateNeed(a, n.ID) && n.Confidence >= a.minNeed {
					add(signal{key: "need:" + key, text: true, state: true, confident: conf, asking: asking(o.d),
						ev: event.Evidence{Kind: event.EvidenceIntent,
							Detail: fmt.Sprintf("need %s %.2f", n.ID, n.Confidence), T: o.t}})
				}
			}
		}
		if a.wi >= 0 {
			for j := len(s.utts) - 1; j >= 0 && s.utts[j].t >= from; j-- {
				u := &s.utts[j]
				if k := a.hit(u); k >= 0 {
					key := u.seg
					if key == "" {
						key = fmt.Sprintf("%.3f", u.t)
					}
					add(signal{key: "words:" + key, text: true, confident: u.confident, ev: event.Evidence{Kind: event.EvidenceWords,
						Detail: fmt.Sprintf("%q in %q", a.phrases[k].p.text, snippet(u.text, 120)), T: u.t}})
				}
			}
		}
	}
	if n := len(s.emos); n > 0 && s.emos[n-1].t >= s.now-within {
		o := s.emos[n-1]
		d := &o.d
		top := d.Top == "fearful" || d.Top == "angry" || d.Top == "sad"
		if top && d.Probs[d.Top] >= 0.5 || negative(d) >= 0.6 {
			add(signal{key: "emotion", state: true, ev: event.Evidence{Kind: event.EvidenceEmotion,
				Detail: fmt.Sprintf("customer sounds %s (%.2f)", d.Top, d.Probs[d.Top]), T: o.t}})
		}
	}
	return out
}

// stateNeed reports whether need id, detected in the customer's words, speaks for the
// customer's state on rule r: a need of alternative a, the hint's own need, or urgency.
func (r *rule) stateNeed(a *alt, id string) bool {
	return a.needs[id] || id == r.spec.Hint.Need || id == "urgency"
}

// stateSignals adds the state needs of the intents in a's window.
func (r *rule) stateSignals(s *callState, a *alt, from float64, add func(signal)) {
	for j := len(s.intents) - 1; j >= 0 && s.intents[j].t >= from; j-- {
		o := s.intents[j]
		key := o.d.Segment
		if key == "" {
			key = fmt.Sprintf("%.3f", o.t)
		}
		for _, n := range o.d.Needs {
			if r.stateNeed(a, n.ID) && n.Confidence >= a.minNeed {
				add(signal{key: "need:" + key, text: true, state: true, confident: s.confidentSeg(o.d.Segment), asking: asking(o.d),
					ev: event.Evidence{Kind: event.EvidenceIntent, Detail: fmt.Sprintf("need %s %.2f", n.ID, n.Confidence), T: o.t}})
			}
		}
	}
}

// asking reports whether the model read an utterance as a general information question.
func asking(d event.IntentData) bool {
	return !d.Abstained && d.Intent == "information_request"
}
