package intent

import (
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/transcript"
)

type emitted struct{ evs []event.Event }

func (r *emitted) Emit(p event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	r.evs = append(r.evs, event.Event{Type: typ, Party: p, T: t.Seconds(), Data: data})
}

// TestPlugsIntoTranscriptStage runs the shipped model inside the call's intent stage the
// way serve wires it: a final customer transcript becomes an intent event with needs.
func TestPlugsIntoTranscriptStage(t *testing.T) {
	m := model(t)
	a := transcript.NewIntentFactory(transcript.IntentConfig{Classify: m.ClassifyEvent})("call-1")
	var out emitted
	evs := []event.Event{
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "c-1", Start: 3, End: 7.5,
			Text: "ik heb al drie keer gebeld mijn internet doet het nog steeds niet", Final: true, Lang: "nl-NL"}},
		{Type: event.Transcript, Party: event.Customer, Data: &event.TranscriptData{Segment: "c-2", Start: 9, End: 11,
			Text: "I lost my bank card", Final: true, Lang: "en"}},
	}
	for i := range evs {
		a.Event(&evs[i], &out)
	}
	if len(out.evs) != 2 {
		t.Fatalf("events %+v", out.evs)
	}
	d := (*out.evs[0].Data.(*event.IntentData))
	if d.Intent != "outage_or_fault" || d.Lang != "nl" || d.Segment != "c-1" || out.evs[0].T != 7.5 {
		t.Errorf("first event %+v", d)
	}
	found := false
	for _, n := range d.Needs {
		found = found || n.ID == "repeat_contact"
	}
	if !found {
		t.Errorf("repeat_contact missing from %+v", d.Needs)
	}
	if d := (*out.evs[1].Data.(*event.IntentData)); d.Intent != "card_lost_or_stolen" || d.Lang != "en" {
		t.Errorf("second event %+v", d)
	}
}
