package hints

import (
	"fmt"

	"github.com/undertone/undertone/internal/event"
)

// A high-priority hint ("block the card now", "secure first", "take your time, this is
// a vulnerable customer") that is wrong costs the agent's trust in every later hint. So
// when its evidence comes from words — the customer's words themselves, or the intent
// and needs the model read in them — one signal is not enough unless it comes from a
// confident integrator transcript (Config.IntegratorMinConfidence). Otherwise it needs a
// second, independent signal:
//
//   - another kind of text evidence, even in the same utterance: the intent and a need,
//     or the rule's words and the intent (two detectors agreeing);
//   - the same evidence in another utterance (the customer said it twice);
//   - the customer's emotion: the latest cue in the rule's window is fearful, angry or
//     sad (p ≥ 0.5), or negative emotion together is ≥ 0.6.
//
// Emotion and dynamics rules (rising arousal over three utterances, overtalk) are not
// text and are not held back here: they are already observations over time.

// signal is one piece of evidence for a rule, keyed by what makes it independent of
// the others: its kind and the utterance it came from.
type signal struct {
	key       string
	ev        event.Evidence
	text      bool // from words, intents or needs
	confident bool // from a confident integrator transcript
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
	for _, sg := range sigs {
		if sg.confident {
			return ev, true
		}
		keys[sg.key] = true
	}
	if len(keys) < 2 {
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
		if a.match(s) == nil {
			continue
		}
		from := s.now - a.within
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
				if len(w.Needs) > 0 && a.needs[n.ID] && n.Confidence >= a.minNeed {
					add(signal{key: "need:" + key, text: true, confident: conf, ev: event.Evidence{Kind: event.EvidenceIntent,
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
			add(signal{key: "emotion", ev: event.Evidence{Kind: event.EvidenceEmotion,
				Detail: fmt.Sprintf("customer sounds %s (%.2f)", d.Top, d.Probs[d.Top]), T: o.t}})
		}
	}
	return out
}
