package summary

import (
	"testing"

	"github.com/undertone/undertone/internal/event"
)

// The summary of a call holds each party's emotion arc (utterances, not windows), the
// customer's intents and needs ranked, each hint with the agent's rating, the final
// dynamics and the peak risk — and a long call's arc is thinned to MaxArc points.
func TestSummaryOfACall(t *testing.T) {
	b := NewFactory()("c1").(*builder)
	ev := func(typ string, p event.Party, at float64, data event.Payload) {
		b.Event(&event.Event{Type: typ, Party: p, T: at, Data: data}, nil)
	}
	for i := range 100 {
		ev(event.Emotion, event.Customer, float64(i), &event.EmotionData{Kind: event.EmotionUtterance, End: float64(i),
			Arousal: 0.5, Valence: -0.4, Top: "angry", Confidence: 0.7})
	}
	ev(event.Emotion, event.Agent, 3, &event.EmotionData{Kind: event.EmotionWindow, End: 3, Top: "neutral"})
	ev(event.Emotion, event.Agent, 4, &event.EmotionData{Kind: event.EmotionUtterance, End: 4, Top: "neutral", Confidence: 0.8})
	ev(event.Intent, event.Customer, 5, &event.IntentData{Intent: "complaint", Needs: []event.NeedScore{{ID: "repeat_contact"}}})
	ev(event.Intent, event.Customer, 9, &event.IntentData{Intent: "complaint", Needs: []event.NeedScore{{ID: "recognition"}, {ID: "repeat_contact"}}})
	ev(event.Intent, event.Customer, 12, &event.IntentData{Intent: "out_of_scope", Abstained: true})
	ev(event.Intent, event.Agent, 13, &event.IntentData{Intent: "thanks_goodbye"})
	ev(event.Hint, "", 10, &event.HintData{ID: "h1", Rule: "repeat", Need: "repeat_contact", Priority: event.PriorityMedium,
		Title: event.Localized{NL: "Al vaker gebeld", EN: "Called before"}})
	ev(event.HintFeedback, "", 20, &event.HintFeedbackData{Hint: "h1", Rating: event.RatingUsed})
	ev(event.Dynamics, "", 30, &event.DynamicsData{TalkRatio: 0.42, LongestSilenceS: 7.25, OvertalkS: 3.1,
		Interruptions: event.PartyCounts{Agent: 2}})
	ev(event.CallStatus, "", 30, &event.StatusData{Risk: 0.81})
	ev(event.CallStatus, "", 40, &event.StatusData{Risk: 0.2})

	var s event.Summary
	b.Summarize(&s)
	if n := len(s.Emotion[event.Customer]); n != MaxArc {
		t.Errorf("customer arc has %d points, want %d", n, MaxArc)
	}
	if a := s.Emotion[event.Agent]; len(a) != 2 || a[0].T != 3 || a[1].T != 4 {
		t.Errorf("agent arc %+v, want its window and its utterance (too few utterances alone)", a)
	}
	if last := s.Emotion[event.Customer][MaxArc-1]; last.T != 99 || last.Arousal != 0.5 || last.Top != "angry" {
		t.Errorf("thinned arc ends %+v", last)
	}
	if len(s.Intents) != 1 || s.Intents[0] != (event.Counted{ID: "complaint", Count: 2}) {
		t.Errorf("intents %+v, want complaint ×2 (abstentions and agent lines left out)", s.Intents)
	}
	if len(s.Needs) != 2 || s.Needs[0] != (event.Counted{ID: "repeat_contact", Count: 2}) {
		t.Errorf("needs %+v", s.Needs)
	}
	if len(s.Hints) != 1 || s.Hints[0].Feedback != event.RatingUsed || s.Hints[0].Title.EN != "Called before" {
		t.Errorf("hints %+v", s.Hints)
	}
	if d := s.Dynamics; d == nil || d.TalkRatio != 0.42 || d.LongestSilenceS != 7.3 || d.Interruptions.Agent != 2 {
		t.Errorf("dynamics %+v", d)
	}
	if s.PeakRisk != 0.81 {
		t.Errorf("peak risk %v, want 0.81", s.PeakRisk)
	}
}
