package transcript

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

type rec struct{ evs []event.Event }

func (r *rec) Emit(p event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	r.evs = append(r.evs, event.Event{Type: typ, Party: p, T: t.Seconds(), Data: data})
}

func TestIntentStage(t *testing.T) {
	var asked []string
	f := NewIntentFactory(IntentConfig{Classify: func(text, lang string) event.IntentData {
		asked = append(asked, lang+":"+text)
		if strings.Contains(text, "opzeggen") {
			return event.IntentData{Intent: "cancel_contract", Confidence: 0.9}
		}
		return event.IntentData{Intent: "out_of_scope", Abstained: true, Lang: "en"}
	}})
	a := f("c")
	var r rec
	evs := []event.Event{
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "customer-1", Text: "ik wil opzeggen", Final: false, Lang: "nl"}},
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "customer-1", Start: 1, End: 2.5, Text: "ik wil mijn abonnement opzeggen", Final: true, Lang: "nl"}},
		{Type: event.Transcript, Party: event.Agent, Data: &event.TranscriptData{Segment: "agent-1", Text: "dat is jammer om te horen", Final: true, Lang: "nl"}},
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "customer-2", Text: "ja", Final: true}},
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "customer-3", Start: 4, End: 6, Text: "what about my bill", Final: true}},
		{Type: event.Intent, Party: event.Customer, Data: &event.IntentData{Intent: "x"}},
	}
	for i := range evs {
		a.Event(&evs[i], &r)
	}
	if strings.Join(asked, "|") != "nl:ik wil mijn abonnement opzeggen|nl:what about my bill" {
		t.Fatalf("classified %q", asked)
	}
	if len(r.evs) != 2 {
		t.Fatalf("events %+v", r.evs)
	}
	d := (*r.evs[0].Data.(*event.IntentData))
	if r.evs[0].Type != event.Intent || r.evs[0].Party != event.Customer || r.evs[0].T != 2.5 ||
		d.Intent != "cancel_contract" || d.Segment != "customer-1" || d.Start != 1 || d.Lang != "nl" {
		t.Fatalf("intent event %+v %+v", r.evs[0], d)
	}
	if d := (*r.evs[1].Data.(*event.IntentData)); d.Lang != "en" || d.Segment != "customer-3" {
		t.Fatalf("model's language wins: %+v", d)
	}
	if NewIntentFactory(IntentConfig{})("c") != nil {
		t.Fatal("a stage without a model")
	}
}

// TestIntentStageDistrustsRecognizerNeeds: needs found in an embedded recogniser's
// transcript must be confident to pass; an integrator's transcript passes as classified.
func TestIntentStageDistrustsRecognizerNeeds(t *testing.T) {
	f := NewIntentFactory(IntentConfig{Classify: func(text, lang string) event.IntentData {
		return event.IntentData{Intent: "complaint", Confidence: 0.7, Needs: []event.NeedScore{
			{ID: "security_worry", Confidence: 0.73}, {ID: "repeat_contact", Confidence: 0.91}}}
	}})
	a := f("c")
	var r rec
	for _, src := range []string{"pocketsphinx", event.TranscriptSourceIntegrator} {
		ev := event.Event{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{
			Segment: "s-" + src, Text: "it it really really big", Final: true, Lang: "en", Source: src, Confidence: 0.9}}
		a.Event(&ev, &r)
	}
	if len(r.evs) != 2 {
		t.Fatalf("events %+v", r.evs)
	}
	ids := func(d event.IntentData) (out []string) {
		for _, n := range d.Needs {
			out = append(out, n.ID)
		}
		return out
	}
	if got := ids((*r.evs[0].Data.(*event.IntentData))); len(got) != 1 || got[0] != "repeat_contact" {
		t.Errorf("recogniser transcript kept needs %v, want only the confident repeat_contact", got)
	}
	if got := ids((*r.evs[1].Data.(*event.IntentData))); len(got) != 2 {
		t.Errorf("integrator transcript kept needs %v, want both", got)
	}
}

// TestIntentStageGatesRecognizer: below its engine's gate a recogniser's utterance is not
// classified at all (intent and needs alike); at the gate it is; an integrator's
// transcript is never gated, whatever confidence it reports; an engine without a gate of
// its own gets the "*" gate.
func TestIntentStageGatesRecognizer(t *testing.T) {
	var asked []string
	f := NewIntentFactory(IntentConfig{Classify: func(text, lang string) event.IntentData {
		asked = append(asked, text)
		return event.IntentData{Intent: "fraud_or_security", Confidence: 0.91}
	}})
	a := f("c")
	var r rec
	cases := []struct {
		src  string
		conf float64
		text string
		want bool
	}{
		{"pocketsphinx", 1e-6, "and i didn't buy it", false},
		{"pocketsphinx", 0.49, "somebody took money from my account", false},
		{"pocketsphinx", 0.5, "somebody took money from my card", true},
		{"whisper", 0.7, "somebody used my card online", false}, // unknown engine: the "*" gate, 0.8
		{"whisper", 0.85, "somebody used my card again", true},
		{event.TranscriptSourceIntegrator, 0.01, "there is a payment i did not make", true},
		{"", 0, "i got a strange text message", true},
	}
	for i, c := range cases {
		ev := event.Event{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{
			Segment: fmt.Sprintf("s%d", i), Text: c.text, Final: true, Lang: "en", Source: c.src, Confidence: c.conf}}
		a.Event(&ev, &r)
		if got := slices.Contains(asked, c.text); got != c.want {
			t.Errorf("%s at %g %q: classified %v, want %v", c.src, c.conf, c.text, got, c.want)
		}
	}
	if len(r.evs) != 4 {
		t.Errorf("%d intent events, want 4", len(r.evs))
	}
	if DefaultGates["pocketsphinx"] <= 1e-6 || DefaultGates["*"] < DefaultGates["pocketsphinx"] {
		t.Errorf("default gates %v", DefaultGates)
	}
}
