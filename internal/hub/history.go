package hub

import (
	"github.com/undertone/undertone/internal/event"
)

// history keeps the last events of one call for clients that (re)connect with since=SEQ.
// Live cues are kept too while the call runs (a reconnecting dashboard redraws its
// traces), bounded by max; it grows with the call instead of being allocated up front, so
// a short call costs what it used. When the call ends, trim drops the live cues: a
// viewer of an ended call needs its emotions, words, hints and end, not its level meter.
type history struct {
	ring  []event.Raw
	start int // index of the oldest item once the ring is full
	max   int
}

func newHistory(max int) history { return history{max: max} }

func (h *history) add(raw event.Raw) {
	if h.max <= 0 {
		return
	}
	if len(h.ring) < h.max {
		h.ring = append(h.ring, raw)
		return
	}
	h.ring[h.start] = raw
	h.start = (h.start + 1) % len(h.ring)
}

// since appends the held events with Seq > seq, oldest first.
func (h *history) since(seq uint64, dst []event.Raw) []event.Raw {
	n := len(h.ring)
	for i := 0; i < n; i++ {
		if r := h.ring[(h.start+i)%n]; r.Seq > seq {
			dst = append(dst, r)
		}
	}
	return dst
}

// trim keeps only the events that are not live cues, in order, in a right-sized slice.
func (h *history) trim() {
	kept := make([]event.Raw, 0, 16)
	n := len(h.ring)
	for i := 0; i < n; i++ {
		if r := h.ring[(h.start+i)%n]; !event.IsCue(r.Type) {
			kept = append(kept, r)
		}
	}
	h.ring, h.start = kept[:len(kept):len(kept)], 0
}

// len returns the number of held events.
func (h *history) len() int { return len(h.ring) }
