package hub

import (
	"github.com/undertone/undertone/internal/event"
)

// history keeps the last events of one call for clients that (re)connect with since=SEQ,
// in two bounded rings: the live cues (level, pitch, vad: most of a call's events, and
// worth only their last half minute to a dashboard redrawing its traces) and everything
// else (emotion, words, intents, hints, state). Both grow with the call instead of being
// allocated up front, so a short call costs what it used, and a long call's cues cannot
// push its emotions and hints out. When the call has ended a while, trim drops the cues:
// a viewer of an ended call needs its emotions, words, hints and end, not its level meter.
type history struct {
	cues, rest ring
}

func newHistory(maxCues, maxRest int) history {
	return history{cues: ring{max: maxCues}, rest: ring{max: maxRest}}
}

func (h *history) add(raw event.Raw) {
	if event.IsCue(raw.Type) {
		h.cues.add(raw)
	} else {
		h.rest.add(raw)
	}
}

// since appends the held events with Seq > seq, oldest first (the two rings merged).
func (h *history) since(seq uint64, dst []event.Raw) []event.Raw {
	i, j := h.cues.first(seq), h.rest.first(seq)
	for i < len(h.cues.items) || j < len(h.rest.items) {
		if j >= len(h.rest.items) || i < len(h.cues.items) && h.cues.at(i).Seq < h.rest.at(j).Seq {
			dst = append(dst, h.cues.at(i))
			i++
		} else {
			dst = append(dst, h.rest.at(j))
			j++
		}
	}
	return dst
}

// trim drops the live cues.
func (h *history) trim() { h.cues = ring{max: h.cues.max} }

// len returns the number of held events.
func (h *history) len() int { return len(h.cues.items) + len(h.rest.items) }

// ring is a bounded ring of events in seq order, grown on demand up to max.
type ring struct {
	items []event.Raw
	start int // index of the oldest once full
	max   int
}

func (r *ring) add(raw event.Raw) {
	if r.max <= 0 {
		return
	}
	if len(r.items) < r.max {
		r.items = append(r.items, raw)
		return
	}
	r.items[r.start] = raw
	r.start = (r.start + 1) % len(r.items)
}

// at returns the i-th oldest event.
func (r *ring) at(i int) event.Raw { return r.items[(r.start+i)%len(r.items)] }

// first returns the index (oldest = 0) of the first event with Seq > seq.
func (r *ring) first(seq uint64) int {
	lo, hi := 0, len(r.items)
	for lo < hi {
		m := (lo + hi) / 2
		if r.at(m).Seq <= seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
