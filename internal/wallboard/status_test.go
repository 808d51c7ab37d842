package wallboard

import (
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

type collect struct{ got []event.StatusData }

func (c *collect) Emit(typ string, _ event.Party, _ time.Duration, data any) {
	if typ == event.CallStatus {
		c.got = append(c.got, data.(event.StatusData))
	}
}

func emo(neg, conf, delta float64) event.EmotionData {
	return event.EmotionData{Probs: map[string]float64{"angry": neg, "neutral": 1 - neg}, Top: "angry",
		Confidence: conf, Arousal: delta, Baseline: event.BaselineDelta{Arousal: delta, N: 3}, Kind: event.EmotionUtterance}
}

func TestRiskFollowsCuesAndStatusIsRateLimited(t *testing.T) {
	a := NewFactory(Config{})("c1")
	out := &collect{}
	ev := func(typ string, p event.Party, tsec float64, d any) {
		a.Event(&event.Event{Type: typ, Party: p, T: tsec, Data: d}, out)
	}
	ev(event.CallStarted, "", 0, event.CallInfo{Agent: "A17"})
	ev(event.VAD, event.Customer, 0.5, event.VADData{Speech: true, TalkS: 0})
	ev(event.Emotion, event.Customer, 2, emo(0.1, 0.9, 0))
	for el := 500 * time.Millisecond; el <= 3*time.Second; el += 500 * time.Millisecond {
		a.Tick(el, out)
	}
	if n := len(out.got); n < 1 || n > 3 {
		t.Fatalf("%d statuses in 3 s, want at most one per second", n)
	}
	calm := out.got[len(out.got)-1]
	if calm.Agent != "A17" || calm.Customer == nil || calm.Risk > 0.15 {
		t.Fatalf("calm call status %+v", calm)
	}
	// The customer gets angry, above their own baseline, and worse each utterance. These
	// come as pointers, the way internal/emotion emits them.
	e1, e2 := emo(0.5, 0.8, 0.2), emo(0.9, 0.9, 0.5)
	ev(event.Emotion, event.Customer, 4, &e1)
	ev(event.Emotion, event.Customer, 6, &e2)
	ev(event.Alert, "", 6, nil)
	a.Tick(4*time.Second, out)
	hot := out.got[len(out.got)-1]
	if hot.Risk < 0.6 || hot.Alerts != 1 || len(hot.Reasons) == 0 || hot.Reasons[0] != "negative emotion (angry)" {
		t.Fatalf("angry call status %+v", hot)
	}
	// Then both fall silent for a long time: silence shows and counts.
	ev(event.VAD, event.Customer, 7, event.VADData{Speech: false, TalkS: 6})
	a.Tick(30*time.Second, out)
	quiet := out.got[len(out.got)-1]
	if quiet.Silence < 20 || quiet.Talk.Customer != 6 {
		t.Fatalf("silent call status %+v", quiet)
	}
	// The emitted status is a snapshot: later changes must not alter it.
	ev(event.Emotion, event.Customer, 40, emo(0, 1, 0))
	if quiet.Customer.Negative < 0.8 {
		t.Fatal("an emitted status changed after emission")
	}
}

func TestSupervisorEvent(t *testing.T) {
	for typ, want := range map[string]bool{event.CallStatus: true, event.Alert: true, event.Hint: true,
		event.HintFeedback: true, event.CallStarted: true, event.Level: false, event.Pitch: false, event.Emotion: false, event.Transcript: false} {
		if SupervisorEvent(typ) != want {
			t.Errorf("%s: %v", typ, !want)
		}
	}
}
