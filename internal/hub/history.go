package hub

import (
	"time"

	"github.com/undertone/undertone/internal/event"
)

// history keeps the last events of one call for clients that (re)connect with since=SEQ.
// Live cues are kept too (a reconnecting dashboard redraws its traces) but the ring is
// bounded, so a long call replays only its recent past.
type history struct {
	ring  []event.Raw
	start int // index of the oldest item
	n     int
	ended time.Time // zero while the call is live
}

func newHistory(size int) *history { return &history{ring: make([]event.Raw, size)} }

func (h *history) add(raw event.Raw) {
	if len(h.ring) == 0 {
		return
	}
	if h.n < len(h.ring) {
		h.ring[(h.start+h.n)%len(h.ring)] = raw
		h.n++
		return
	}
	h.ring[h.start] = raw
	h.start = (h.start + 1) % len(h.ring)
}

// since appends the held events with Seq > seq, oldest first.
func (h *history) since(seq uint64, dst []event.Raw) []event.Raw {
	for i := 0; i < h.n; i++ {
		if r := h.ring[(h.start+i)%len(h.ring)]; r.Seq > seq {
			dst = append(dst, r)
		}
	}
	return dst
}
