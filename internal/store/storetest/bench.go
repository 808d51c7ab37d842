package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// BenchRecorder measures a Recorder writing through a real store: b.N events (8 emotion
// utterances to 1 transcript to 1 hint, over 16 live calls) recorded as fast as possible,
// timed until Close has written them all. It reports events/s; allocations are per event.
func BenchRecorder(b *testing.B, newStore NewStore) {
	st := newStore(b)
	defer st.Close()
	ctx := context.Background()
	const calls = 16
	for i := range calls {
		c := sampleCall(fmt.Sprintf("bench-%d", i), T0)
		if err := st.CallStarted(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	evs := make([]event.Raw, b.N)
	for i := range evs {
		call := fmt.Sprintf("bench-%d", i%calls)
		seq := uint64(i/calls + 1)
		at := T0.Add(time.Duration(i) * time.Millisecond)
		start := float64(i / calls)
		switch i % 10 {
		case 8:
			evs[i] = Marshal(b, event.Transcript, call, seq, event.Customer, at, event.TranscriptData{Segment: fmt.Sprint(i),
				Start: start, End: start + 1, Text: "ik bel over mijn factuur van vorige maand", Final: true, Lang: "nl", Confidence: 0.9})
		case 9:
			evs[i] = Marshal(b, event.Hint, call, seq, "", at, event.HintData{ID: fmt.Sprintf("h%d", i), Rule: "invoice-worry",
				Title: event.Localized{NL: "Zorg om factuur", EN: "Invoice worry"}, Priority: event.PriorityMedium, Lang: "nl",
				Phrasing: event.Localized{NL: "Ik kijk het nu voor u na.", EN: "Let me check that for you now."},
				Evidence: []event.Evidence{{Kind: event.EvidenceWords, Detail: "factuur", T: start}}})
		default:
			party := event.Customer
			if i%2 == 1 {
				party = event.Agent
			}
			evs[i] = Marshal(b, event.Emotion, call, seq, party, at, event.EmotionData{
				Probs: map[string]float64{"neutral": 0.5, "angry": 0.2, "happy": 0.1, "sad": 0.1, "fearful": 0.1},
				Top:   "neutral", Arousal: 0.1, Valence: -0.1, Confidence: 0.5, Kind: event.EmotionUtterance,
				Start: start, End: start + 1.5,
			})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	r := store.NewRecorder(st, nil, b.N+1) // room for all: this measures writing, not dropping
	for _, ev := range evs {
		r.Record(ev)
	}
	if err := r.Close(ctx); err != nil {
		b.Fatal(err)
	}
	el := time.Since(t0)
	b.StopTimer()
	s := r.Stats()
	if s.Written != uint64(b.N) || s.Dropped != 0 || s.Failed != 0 {
		b.Fatalf("stats %+v for %d events", s, b.N)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "events/s")
}
