package hub

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

var t0 = time.Unix(1_800_000_000, 0)

func raw(seq uint64, typ string, p event.Party) event.Raw {
	return event.Raw{Type: typ, Call: "c1", Seq: seq, Party: p, Body: []byte(fmt.Sprintf(`{"seq":%d}`, seq))}
}

func TestQueueCoalescesCuesWhenLagging(t *testing.T) {
	q := newQueue(8, 0)
	seq := uint64(0)
	for i := 0; i < 100; i++ {
		seq++
		if _, ok := q.push(raw(seq, event.Level, event.Customer), t0); !ok {
			t.Fatal("cue push refused")
		}
		seq++
		q.push(raw(seq, event.Level, event.Agent), t0)
	}
	items := q.take(nil)
	if len(items) > 8 {
		t.Fatalf("queue holds %d items, max 8", len(items))
	}
	// The freshest cue of each party must survive.
	var lastC, lastA uint64
	for _, it := range items {
		if it.Party == event.Customer {
			lastC = it.Seq
		} else {
			lastA = it.Seq
		}
	}
	if lastC != 199 || lastA != 200 {
		t.Fatalf("freshest cues lost: customer %d agent %d, want 199 200", lastC, lastA)
	}
	if q.dropped == 0 {
		t.Fatal("no drops counted")
	}
}

func TestQueueKeepsImportantEventsAndReportsSlowClient(t *testing.T) {
	q := newQueue(4, 0)
	q.push(raw(1, event.Level, event.Customer), t0)
	for s := uint64(2); s <= 5; s++ {
		if _, ok := q.push(raw(s, event.Emotion, event.Customer), t0); !ok {
			t.Fatalf("push %d refused while a cue could be dropped", s)
		}
	}
	items := q.take(nil)
	for _, it := range items {
		if it.Type == event.Level {
			t.Fatal("cue kept while an important event needed the room")
		}
	}
	if len(items) != 4 {
		t.Fatalf("got %d items, want 4 emotion events", len(items))
	}
	for s := uint64(6); s <= 9; s++ {
		q.push(raw(s, event.Hint, ""), t0)
	}
	if _, ok := q.push(raw(10, event.Hint, ""), t0); ok {
		t.Fatal("full queue of important events accepted more: the client should be disconnected")
	}
}

// A client whose oldest queued event waited longer than the lag bound is too slow,
// however few events it has queued.
func TestQueueLagBound(t *testing.T) {
	q := newQueue(256, time.Second)
	if _, ok := q.push(raw(1, event.Emotion, event.Customer), t0); !ok {
		t.Fatal("first push refused")
	}
	if _, ok := q.push(raw(2, event.Emotion, event.Customer), t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("push within the lag refused")
	}
	if _, ok := q.push(raw(3, event.Level, event.Customer), t0.Add(1500*time.Millisecond)); ok {
		t.Fatal("push with the oldest event 1.5 s old accepted; want the client reported slow")
	}
	q.take(nil)
	if _, ok := q.push(raw(4, event.Emotion, event.Customer), t0.Add(2*time.Second)); !ok {
		t.Fatal("push after the writer caught up refused")
	}
}

// History grows with the call (nothing allocated up front); live cues and the other
// events have their own bounds, so a long call's cues cannot push out its emotions and
// hints; since= replays both in seq order; once the call has ended the cues go.
func TestHistoryGrowsBoundsAndTrims(t *testing.T) {
	h := newHistory(100, 10)
	if cap(h.cues.items)+cap(h.rest.items) != 0 {
		t.Fatal("history preallocated slots")
	}
	for s := uint64(1); s <= 250; s++ {
		typ := event.Level
		if s%50 == 0 {
			typ = event.Emotion
		}
		h.add(raw(s, typ, event.Customer))
	}
	if h.len() != 105 {
		t.Fatalf("held %d, want the 100 newest cues and the 5 emotions", h.len())
	}
	got := seqs(h.since(0, nil))
	if len(got) != 105 || got[0] != 50 || got[1] != 100 || got[len(got)-1] != 250 || !slices.IsSorted(got) {
		t.Fatalf("since 0: %v…, want the emotions from 50 and the cues from 146, in seq order", got[:5])
	}
	if got := seqs(h.since(240, nil)); len(got) != 10 || got[0] != 241 {
		t.Fatalf("since 240: %v", got)
	}
	h.trim()
	if got := seqs(h.since(0, nil)); len(got) != 5 || got[0] != 50 || got[4] != 250 {
		t.Fatalf("after trim: %v, want the emotion events", got)
	}
}

func TestHistorySince(t *testing.T) {
	h := newHistory(5, 5)
	for s := uint64(1); s <= 12; s++ {
		h.add(raw(s, event.Level, event.Customer))
	}
	got := h.since(9, nil)
	if len(got) != 3 || got[0].Seq != 10 || got[2].Seq != 12 {
		t.Fatalf("since 9 = %v", seqs(got))
	}
	if got := h.since(0, nil); len(got) != 5 || got[0].Seq != 8 {
		t.Fatalf("since 0 = %v, want the 5 newest from 8", seqs(got))
	}
}

func seqs(rs []event.Raw) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}
