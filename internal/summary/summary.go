// Package summary builds the after-call summary an agent reads when a call ends and a
// supervisor finds in the call's record: each party's emotion arc, the intents and
// needs heard, every hint raised and what the agent did with it, the conversation's
// shape and the highest risk the call reached.
//
// Stage: a call analyzer (joiner) that only listens to the call's events — emotion,
// intent, hint, hint.feedback, dynamics, call.status — and fills in event.Summary when
// the call ends, before the summary is stored and call.ended is published. It owns its
// state; it emits nothing.
package summary

import (
	"cmp"
	"slices"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// MaxArc is the most points of one party's emotion arc; longer calls are thinned by
// merging neighbouring utterances.
const MaxArc = 48

// minUtterances is how many utterance estimates an arc needs before window estimates are
// left out of it.
const minUtterances = 4

// NewFactory returns the summary stage of each call.
func NewFactory() call.CallAnalyzerFactory {
	return func(string) call.CallAnalyzer {
		return &builder{arc: map[event.Party][]event.ArcPoint{}, windows: map[event.Party][]event.ArcPoint{}}
	}
}

type builder struct {
	arc      map[event.Party][]event.ArcPoint // utterance estimates
	windows  map[event.Party][]event.ArcPoint // 2 s estimates during long turns
	intents  map[string]int
	needs    map[string]int
	hints    []event.HintOutcome
	dynamics *event.DynamicsData
	peak     float64
}

var (
	_ call.CallAnalyzer = (*builder)(nil)
	_ call.Summarizer   = (*builder)(nil)
)

func (b *builder) Event(ev *event.Event, _ call.Emitter) {
	switch ev.Type {
	case event.Emotion:
		if d, ok := ev.Data.(*event.EmotionData); ok {
			pt := event.ArcPoint{T: round(d.End, 10), Arousal: round(d.Arousal, 100),
				Valence: round(d.Valence, 100), Top: cmp.Or(d.Headline, d.Top), Confidence: round(d.Confidence, 100)}
			if d.Kind == event.EmotionWindow {
				b.windows[ev.Party] = append(b.windows[ev.Party], pt)
			} else {
				b.arc[ev.Party] = append(b.arc[ev.Party], pt)
			}
		}
	case event.Intent:
		if ev.Party != event.Customer {
			return
		}
		d, ok := ev.Data.(*event.IntentData)
		if !ok {
			return
		}
		if !d.Abstained && d.Intent != "" && d.Intent != "out_of_scope" {
			b.intents = count(b.intents, d.Intent)
		}
		for _, n := range d.Needs {
			b.needs = count(b.needs, n.ID)
		}
	case event.Hint:
		if d, ok := ev.Data.(*event.HintData); ok {
			b.hints = append(b.hints, event.HintOutcome{ID: d.ID, Rule: d.Rule, Need: d.Need, Priority: d.Priority,
				Title: d.Title, T: round(ev.T, 10)})
		}
	case event.HintFeedback:
		if d, ok := ev.Data.(*event.HintFeedbackData); ok {
			for i := range b.hints {
				if b.hints[i].ID == d.Hint {
					b.hints[i].Feedback = d.Rating
				}
			}
		}
	case event.Dynamics:
		if d, ok := ev.Data.(*event.DynamicsData); ok {
			b.dynamics = d
		}
	case event.CallStatus:
		if d, ok := ev.Data.(*event.StatusData); ok {
			b.peak = max(b.peak, d.Risk)
		}
	}
}

func (b *builder) Tick(time.Duration, call.Emitter) {}
func (b *builder) Close(call.Emitter)               {}

// Summarize implements call.Summarizer.
func (b *builder) Summarize(s *event.Summary) {
	for _, p := range []event.Party{event.Customer, event.Agent} {
		pts := b.arc[p]
		if len(pts) < minUtterances {
			// A short call has few finished utterances: its 2-second estimates draw the arc.
			pts = slices.Concat(pts, b.windows[p])
			slices.SortStableFunc(pts, func(a, b event.ArcPoint) int { return cmp.Compare(a.T, b.T) })
		}
		if len(pts) == 0 {
			continue
		}
		if s.Emotion == nil {
			s.Emotion = map[event.Party][]event.ArcPoint{}
		}
		s.Emotion[p] = thin(pts, MaxArc)
	}
	s.Intents, s.Needs = ranked(b.intents), ranked(b.needs)
	s.Hints = b.hints
	if d := b.dynamics; d != nil {
		s.Dynamics = &event.DynamicsSummary{TalkRatio: round(d.TalkRatio, 100), LongestSilenceS: round(d.LongestSilenceS, 10),
			DeadAirS: round(d.DeadAirS, 10), OvertalkS: round(d.OvertalkS, 10), Interruptions: d.Interruptions, Turns: d.Turns}
	}
	s.PeakRisk = round(b.peak, 100)
}

// thin merges neighbouring points until at most n remain: each merged point is the mean
// of its group, at the group's last time, with the group's most confident top class.
func thin(pts []event.ArcPoint, n int) []event.ArcPoint {
	if len(pts) <= n {
		return pts
	}
	out := make([]event.ArcPoint, 0, n)
	for i := 0; i < n; i++ {
		g := pts[i*len(pts)/n : (i+1)*len(pts)/n]
		var m event.ArcPoint
		best := -1.0
		for _, p := range g {
			m.Arousal += p.Arousal / float64(len(g))
			m.Valence += p.Valence / float64(len(g))
			m.Confidence += p.Confidence / float64(len(g))
			if p.Confidence > best {
				best, m.Top = p.Confidence, p.Top
			}
		}
		m.T = g[len(g)-1].T
		m.Arousal, m.Valence, m.Confidence = round(m.Arousal, 100), round(m.Valence, 100), round(m.Confidence, 100)
		out = append(out, m)
	}
	return out
}

func count(m map[string]int, id string) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[id]++
	return m
}

func ranked(m map[string]int) []event.Counted {
	if len(m) == 0 {
		return nil
	}
	out := make([]event.Counted, 0, len(m))
	for id, n := range m {
		out = append(out, event.Counted{ID: id, Count: n})
	}
	slices.SortFunc(out, func(a, b event.Counted) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func round(x, unit float64) float64 {
	if x >= 0 {
		return float64(int64(x*unit+0.5)) / unit
	}
	return -float64(int64(-x*unit+0.5)) / unit
}
