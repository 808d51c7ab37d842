package event

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	raw, err := Marshal(&Event{V: Version, Type: Level, Call: "c1", Seq: 7, TS: 1, Party: Customer, T: 1.5,
		Data: LevelData{DBFS: -20, Peak: -3}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(raw.Body)
	if err != nil || got.Type != Level || got.Call != "c1" || got.Seq != 7 || got.Party != Customer {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := Unmarshal([]byte(`{"type":"level"}`)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("missing call: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"level","call":"c","seq":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err == nil && (r.Type == "" || r.Call == "") {
			t.Fatal("accepted an event without type or call")
		}
	})
}

// Every payload's type names its event, and a payload marshals as the JSON the event
// types promise (the defined types of call.started and call.ended as a CallInfo).
func TestPayloadsNameTheirEvents(t *testing.T) {
	for want, p := range map[string]Payload{
		CallStarted: &CallStartedData{}, CallEnded: &CallEndedData{}, PartyJoined: &PartyJoinedData{},
		Level: &LevelData{}, Pitch: &PitchData{}, VAD: &VADData{}, Emotion: &EmotionData{},
		Dynamics: &DynamicsData{}, Transcript: &TranscriptData{}, TranscriptStatus: &TranscriptStatusData{},
		Intent: &IntentData{}, Hint: &HintData{}, HintFeedback: &HintFeedbackData{}, Alert: &AlertData{},
		CallStatus: &StatusData{},
	} {
		if got := p.EventType(); got != want {
			t.Errorf("%T: event type %q, want %q", p, got, want)
		}
	}
	a, _ := json.Marshal(&CallEndedData{Source: "whip", Agent: "A17"})
	b, _ := json.Marshal(CallInfo{Source: "whip", Agent: "A17"})
	if string(a) != string(b) {
		t.Errorf("call.ended payload %s, want the CallInfo JSON %s", a, b)
	}
}
