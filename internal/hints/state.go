package hints

import (
	"math"

	"github.com/undertone/undertone/internal/event"
)

// callState is what one call has said and shown so far, trimmed to what rules may look
// back at. Times are media seconds.
type callState struct {
	now  float64 // newest media time seen
	lang string  // the call's language as transcripts name it

	utts      []utterance // customer's final utterances
	gatedSegs []string    // segments of recogniser utterances below their gate (newest last)
	intents   []intentObs // customer's intent events
	emos      []emoObs    // customer's emotion cues (utterance and window)
	repeats   []repeatObs

	dyn      event.DynamicsData
	dynAt    float64
	hasDyn   bool
	agentInt []float64 // times the agent's interruption count went up
	overtalk []float64 // agent_overtalk alerts
}

type utterance struct {
	t         float64
	seg       string
	confident bool // a confident integrator transcript: enough alone for a high-priority hint
	text      string
	words     []string
	content   map[string]bool
	lang      string
	hits      []int32 // per word alternative of the engine: 0 not tried, 1 no match, k+2 phrase k
}

type intentObs struct {
	t float64
	d event.IntentData
}

type emoObs struct {
	t float64
	d event.EmotionData
}

type repeatObs struct {
	t            float64
	text, before string
}

// keep bounds the history: rules look back at most 30 minutes and 10 utterances.
const (
	keepSeconds = 30 * 60
	keepItems   = 200
)

func trim[T any](s []T, at func(T) float64, now float64) []T {
	i := 0
	for i < len(s) && (at(s[i]) < now-keepSeconds || len(s)-i > keepItems) {
		i++
	}
	return s[i:]
}

func (s *callState) tick(t float64) { s.now = math.Max(s.now, t) }

func (s *callState) addUtterance(t float64, d *event.TranscriptData, confident bool, repeatWindow, repeatOverlap float64, nWords int) {
	words := normalize(d.Text)
	u := utterance{t: t, seg: d.Segment, confident: confident, text: d.Text, words: words, content: content(words),
		lang: d.Lang, hits: make([]int32, nWords)}
	if len(u.content) >= 2 {
		for i := len(s.utts) - 1; i >= 0; i-- {
			p := s.utts[i]
			if t-p.t > repeatWindow {
				break
			}
			if t-p.t >= 10 && len(p.content) >= 2 && overlap(u.content, p.content) >= repeatOverlap {
				s.repeats = append(s.repeats, repeatObs{t: t, text: d.Text, before: p.text})
				break
			}
		}
	}
	s.utts = trim(append(s.utts, u), func(u utterance) float64 { return u.t }, t)
	s.repeats = trim(s.repeats, func(r repeatObs) float64 { return r.t }, t)
}

func (s *callState) addDynamics(t float64, d event.DynamicsData) {
	if s.hasDyn && d.Interruptions.Agent > s.dyn.Interruptions.Agent {
		for range d.Interruptions.Agent - s.dyn.Interruptions.Agent {
			s.agentInt = append(s.agentInt, t)
		}
		s.agentInt = trim(s.agentInt, func(v float64) float64 { return v }, t)
	}
	s.dyn, s.dynAt, s.hasDyn = d, t, true
}

// gate records a segment whose words were below their recogniser's gate: intents derived
// from it are ignored too. Only the last keepItems are remembered; the intent of a
// segment follows its transcript at once.
func (s *callState) gate(seg string) {
	if seg == "" {
		return
	}
	s.gatedSegs = append(s.gatedSegs, seg)
	if len(s.gatedSegs) > keepItems {
		s.gatedSegs = s.gatedSegs[len(s.gatedSegs)-keepItems:]
	}
}

func (s *callState) gated(seg string) bool {
	if seg == "" {
		return false
	}
	for i := len(s.gatedSegs) - 1; i >= 0; i-- {
		if s.gatedSegs[i] == seg {
			return true
		}
	}
	return false
}

// confidentSeg reports whether the customer's utterance with this segment id is a
// confident integrator transcript.
func (s *callState) confidentSeg(seg string) bool {
	for i := len(s.utts) - 1; i >= 0; i-- {
		if s.utts[i].seg == seg {
			return seg != "" && s.utts[i].confident
		}
	}
	return false
}
