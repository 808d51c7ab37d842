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

	utts    []utterance // customer's final utterances
	intents []intentObs // customer's intent events
	emos    []emoObs    // customer's emotion cues (utterance and window)
	repeats []repeatObs

	dyn      event.DynamicsData
	dynAt    float64
	hasDyn   bool
	agentInt []float64 // times the agent's interruption count went up
	overtalk []float64 // agent_overtalk alerts
}

type utterance struct {
	t       float64
	text    string
	words   []string
	content map[string]bool
	lang    string
	hits    []int32 // per word alternative of the engine: 0 not tried, 1 no match, k+2 phrase k
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

func (s *callState) addUtterance(t float64, d *event.TranscriptData, repeatWindow, repeatOverlap float64, nWords int) {
	words := normalize(d.Text)
	u := utterance{t: t, text: d.Text, words: words, content: content(words), lang: d.Lang, hits: make([]int32, nWords)}
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
