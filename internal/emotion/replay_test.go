package emotion

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/features"
	"github.com/undertone/undertone/internal/wallboard"
)

// statuses is a call.Emitter that keeps the wallboard's call.status events.
type statuses struct{ got []event.StatusData }

func (s *statuses) Emit(_ event.Party, _ time.Duration, data event.Payload) {
	typ := data.EventType()
	if typ == event.CallStatus {
		s.got = append(s.got, (*data.(*event.StatusData)))
	}
}

// A replayed call of sustained anger keeps its risk high. A synthetic caller
// (scripts/emotion-fixtures.sh) explains calmly for 15 s, then shouts a complaint for 35 s
// without calming down; the shipped model scores it live and the wallboard stage turns
// the cues into call.status events once a second. Risk stays low while the caller is
// calm and, once the shouting has been heard for a few seconds, never falls below the
// wallboard's 0.6 "high" threshold until the call ends — although the class shown may
// waver, because risk follows the absolute arousal and holds it while it stays high.
func TestReplayedSustainedAngerKeepsRiskHigh(t *testing.T) {
	m, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	var x []float32
	for _, f := range []string{"calm.wav", "angry.wav"} {
		y, _, err := features.ReadWAV(filepath.Join("testdata", "call", f))
		if err != nil {
			t.Fatal(err)
		}
		x = append(x, y...)
		if f == "calm.wav" {
			x = append(x, make([]float32, 8000)...)
		}
	}
	const angryFrom = 15.5 // seconds
	a := NewAnalyzer(m, Config{}, event.Customer)
	var r recorder
	feed(a, x, &r)
	a.Close(&r)

	wb := wallboard.NewFactory(wallboard.Config{})("replay")
	out := &statuses{}
	wb.Event(&event.Event{Type: event.VAD, Party: event.Customer, T: 0.1, Data: &event.VADData{Speech: true}}, out)
	next := 0
	var calmMax, angryMin float64 = 0, 1
	var nAngry int
	end := float64(len(x)) / 16000
	for sec := 1; float64(sec) <= end; sec++ {
		for next < len(r.ev) && r.ev[next].End <= float64(sec) {
			e := r.ev[next]
			wb.Event(&event.Event{Type: event.Emotion, Party: event.Customer, T: e.End, Data: e}, out)
			next++
		}
		wb.Tick(time.Duration(sec)*time.Second, out)
		if len(out.got) == 0 {
			continue
		}
		st := out.got[len(out.got)-1] // what the wallboard shows this second
		switch {
		case float64(sec) < angryFrom && st.Customer != nil:
			calmMax = max(calmMax, st.Risk)
		case float64(sec) >= angryFrom+6:
			angryMin = min(angryMin, st.Risk)
			nAngry++
		}
		cust := "–"
		if st.Customer != nil {
			cust = st.Customer.Top
		}
		t.Logf("%3d s risk %.2f %v (%s)", sec, st.Risk, st.Reasons, cust)
	}
	if nAngry < 25 {
		t.Fatalf("only %d seconds of shouting scored", nAngry)
	}
	if calmMax > 0.3 {
		t.Errorf("risk rose to %.2f while the caller was calm", calmMax)
	}
	if angryMin < 0.6 {
		t.Errorf("risk fell to %.2f while the caller kept shouting", angryMin)
	}
}
