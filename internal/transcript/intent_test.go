package transcript

import (
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

type rec struct{ evs []event.Event }

func (r *rec) Emit(typ string, p event.Party, t time.Duration, data any) {
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
		{Type: event.Transcript, Party: event.Customer, Data: event.TranscriptData{Segment: "customer-1", Text: "ik wil opzeggen", Final: false, Lang: "nl"}},
		{Type: event.Transcript, Party: event.Customer, Data: event.TranscriptData{Segment: "customer-1", Start: 1, End: 2.5, Text: "ik wil mijn abonnement opzeggen", Final: true, Lang: "nl"}},
		{Type: event.Transcript, Party: event.Agent, Data: &event.TranscriptData{Segment: "agent-1", Text: "dat is jammer om te horen", Final: true, Lang: "nl"}},
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "customer-2", Text: "ja", Final: true}},
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "customer-3", Start: 4, End: 6, Text: "what about my bill", Final: true}},
		{Type: event.Intent, Party: event.Customer, Data: event.IntentData{Intent: "x"}},
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
	d := r.evs[0].Data.(event.IntentData)
	if r.evs[0].Type != event.Intent || r.evs[0].Party != event.Customer || r.evs[0].T != 2.5 ||
		d.Intent != "cancel_contract" || d.Segment != "customer-1" || d.Start != 1 || d.Lang != "nl" {
		t.Fatalf("intent event %+v %+v", r.evs[0], d)
	}
	if d := r.evs[1].Data.(event.IntentData); d.Lang != "en" || d.Segment != "customer-3" {
		t.Fatalf("model's language wins: %+v", d)
	}
	if NewIntentFactory(IntentConfig{})("c") != nil {
		t.Fatal("a stage without a model")
	}
}
