package event

import (
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

func TestPayloadAsTakesValuesAndPointers(t *testing.T) {
	v := EmotionData{Top: "angry"}
	if d, ok := PayloadAs[EmotionData](v); !ok || d.Top != "angry" {
		t.Errorf("value: %v %v", d, ok)
	}
	if d, ok := PayloadAs[EmotionData](&v); !ok || d != &v {
		t.Errorf("pointer: %v %v", d, ok)
	}
	for _, bad := range []any{nil, (*EmotionData)(nil), VADData{}, map[string]any{"top": "angry"}} {
		if _, ok := PayloadAs[EmotionData](bad); ok {
			t.Errorf("%#v accepted as EmotionData", bad)
		}
	}
}
