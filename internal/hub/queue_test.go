package hub

import (
	"fmt"
	"testing"

	"github.com/undertone/undertone/internal/event"
)

func raw(seq uint64, typ string, p event.Party) event.Raw {
	return event.Raw{Type: typ, Call: "c1", Seq: seq, Party: p, Body: []byte(fmt.Sprintf(`{"seq":%d}`, seq))}
}

func TestQueueCoalescesCuesWhenLagging(t *testing.T) {
	q := newQueue(8)
	seq := uint64(0)
	for i := 0; i < 100; i++ {
		seq++
		if _, ok := q.push(raw(seq, event.Level, event.Customer)); !ok {
			t.Fatal("cue push refused")
		}
		seq++
		q.push(raw(seq, event.Level, event.Agent))
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
	q := newQueue(4)
	q.push(raw(1, event.Level, event.Customer))
	for s := uint64(2); s <= 5; s++ {
		if _, ok := q.push(raw(s, event.Emotion, event.Customer)); !ok {
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
		q.push(raw(s, event.Hint, ""))
	}
	if _, ok := q.push(raw(10, event.Hint, "")); ok {
		t.Fatal("full queue of important events accepted more: the client should be disconnected")
	}
}

func TestHistorySince(t *testing.T) {
	h := newHistory(5)
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
