package wallboard

import (
	"math"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

type collect struct{ got []event.StatusData }

func (c *collect) Emit(_ event.Party, _ time.Duration, data event.Payload) {
	typ := data.EventType()
	if typ == event.CallStatus {
		c.got = append(c.got, (*data.(*event.StatusData)))
	}
}

func emo(neg, conf, arousal, delta float64) *event.EmotionData {
	return &event.EmotionData{Probs: map[string]float64{"angry": neg, "neutral": 1 - neg}, Top: "angry",
		Confidence: conf, Arousal: arousal, Baseline: event.BaselineDelta{Arousal: delta, N: 3}, Kind: event.EmotionUtterance}
}

func TestRiskFollowsCuesAndStatusIsRateLimited(t *testing.T) {
	a := NewFactory(Config{})("c1")
	out := &collect{}
	ev := func(typ string, p event.Party, tsec float64, d event.Payload) {
		a.Event(&event.Event{Type: typ, Party: p, T: tsec, Data: d}, out)
	}
	ev(event.CallStarted, "", 0, &event.CallStartedData{Agent: "A17"})
	ev(event.VAD, event.Customer, 0.5, &event.VADData{Speech: true, TalkS: 0})
	ev(event.Emotion, event.Customer, 2, emo(0.1, 0.9, -0.5, 0))
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
	e1, e2 := emo(0.5, 0.8, 0.4, 0.2), emo(0.9, 0.9, 0.8, 0.5)
	ev(event.Emotion, event.Customer, 4, e1)
	ev(event.Emotion, event.Customer, 6, e2)
	ev(event.Alert, "", 6, nil)
	a.Tick(4*time.Second, out)
	hot := out.got[len(out.got)-1]
	if hot.Risk < 0.6 || hot.Alerts != 1 || len(hot.Reasons) < 2 || hot.Reasons[0] != "high arousal (sustained)" || hot.Reasons[1] != "negative emotion (angry)" {
		t.Fatalf("angry call status %+v", hot)
	}
	// Then both fall silent for a long time: silence shows and counts.
	ev(event.VAD, event.Customer, 7, &event.VADData{Speech: false, TalkS: 6})
	a.Tick(30*time.Second, out)
	quiet := out.got[len(out.got)-1]
	if quiet.Silence < 20 || quiet.Talk.Customer != 6 {
		t.Fatalf("silent call status %+v", quiet)
	}
	// The emitted status is a snapshot: later changes must not alter it.
	ev(event.Emotion, event.Customer, 40, emo(0, 1, -0.5, 0))
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

// The v1 failure, replayed as the events it produced: a caller who stays angry while the
// class flips between angry and happy, the confidence wavers and the change against a
// (v1, absorbing) baseline drifts back to zero. Risk is driven by the absolute arousal,
// held while arousal stays high, so it stays above the wallboard's 0.6 threshold for the
// whole outburst; only calm speech brings it down.
func TestRiskCannotDecayWhileArousalStaysHigh(t *testing.T) {
	a := NewFactory(Config{})("c1")
	out := &collect{}
	ev := func(tsec float64, d event.EmotionData) {
		d.End = tsec
		a.Event(&event.Event{Type: event.Emotion, Party: event.Customer, T: tsec, Data: &d}, out)
	}
	last := func(el time.Duration) event.StatusData {
		a.Tick(el, out)
		return out.got[len(out.got)-1]
	}
	calm := func(tsec float64) event.EmotionData {
		d := emo(0.1, 0.7, -0.6, 0)
		d.Probs = map[string]float64{"neutral": 0.8, "sad": 0.1, "angry": 0.1}
		d.Top, d.Headline = "neutral", "neutral"
		return *d
	}
	// The customer talks throughout (no dead air adds to the risk).
	a.Event(&event.Event{Type: event.VAD, Party: event.Customer, T: 0.5, Data: &event.VADData{Speech: true}}, out)
	for i := 0; i < 3; i++ {
		ev(float64(3*i+2), calm(float64(3*i+2)))
	}
	if r := last(10 * time.Second); r.Risk > 0.2 {
		t.Fatalf("calm start: risk %.2f", r.Risk)
	}
	// 60 s of shouting, an event every 1.5 s; the model hears two calmer sentences (4.5 s
	// each) in the middle.
	min := 1.0
	for i := 0; i < 40; i++ {
		tsec := 12 + 1.5*float64(i)
		d := emo(0.6, 0.55, 0.45+0.4*float64(i%3)/2, 0.8*math.Max(0, 1-float64(i)/20))
		if (i >= 12 && i < 15) || (i >= 28 && i < 31) {
			d.Arousal = -0.35
		}
		if i%2 == 1 { // the class flips to happy: little "negative emotion" left
			d.Probs = map[string]float64{"happy": 0.6, "angry": 0.25, "neutral": 0.15}
			d.Top, d.Headline = "happy", "unsure"
		}
		d.Kind = []string{event.EmotionUtterance, event.EmotionWindow}[i%2]
		ev(tsec, *d)
		if i >= 1 {
			min = math.Min(min, last(time.Duration((tsec+1)*float64(time.Second))).Risk)
		}
	}
	if min < 0.6 {
		t.Fatalf("risk fell to %.2f while the caller kept shouting", min)
	}
	// The caller calms down: risk falls once the calm has lasted CalmFor.
	for i := 0; i < 6; i++ {
		ev(75+3*float64(i), calm(75+3*float64(i)))
		if i == 1 {
			if r := last(79 * time.Second); r.Risk < 0.6 {
				t.Fatalf("3 s of calm already lowered the risk to %.2f", r.Risk)
			}
		}
	}
	if r := last(95 * time.Second); r.Risk > 0.3 {
		t.Fatalf("after calm speech risk is still %.2f: %+v", r.Risk, r)
	}
}

// Silence alone does not cool a heated caller down.
func TestHeatHoldsThroughSilence(t *testing.T) {
	a := NewFactory(Config{})("c1")
	out := &collect{}
	d := emo(0.7, 0.8, 0.8, 0.5)
	a.Event(&event.Event{Type: event.Emotion, Party: event.Customer, T: 1, Data: d}, out)
	a.Tick(2*time.Second, out)
	hot := out.got[len(out.got)-1].Risk
	a.Tick(40*time.Second, out)
	if r := out.got[len(out.got)-1].Risk; r < hot {
		t.Fatalf("risk %.2f → %.2f with no speech at all", hot, r)
	}
}
