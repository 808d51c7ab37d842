package hub

import (
	"sync"

	"github.com/undertone/undertone/internal/event"
)

// queue is one client's bounded outbox. Drop policy when full: coalesce a pending live
// cue of the same type and party (the new one replaces it); else drop any pending cue;
// else refuse the event and report the client as too slow.
type queue struct {
	mu      sync.Mutex
	items   []event.Raw
	max     int
	notify  chan struct{}
	closed  bool
	dropped uint64 // cues coalesced or dropped
}

func newQueue(max int) *queue {
	return &queue{items: make([]event.Raw, 0, max), max: max, notify: make(chan struct{}, 1)}
}

// push appends raw; it returns the number of cues dropped to make room and ok=false when
// the client must be disconnected (the queue is full of events that cannot be dropped).
func (q *queue) push(raw event.Raw) (dropped int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, true
	}
	cue := event.IsCue(raw.Type)
	if len(q.items) >= q.max/2 && cue {
		// Lagging: keep only the freshest cue per type and party.
		for i := range q.items {
			if it := &q.items[i]; it.Type == raw.Type && it.Party == raw.Party {
				q.removeAt(i)
				dropped++
				break
			}
		}
	}
	if len(q.items) >= q.max {
		if cue {
			q.dropped++
			return dropped + 1, true
		}
		i := q.firstCue()
		if i < 0 {
			return dropped, false
		}
		q.removeAt(i)
		dropped++
	}
	q.items = append(q.items, raw)
	q.dropped += uint64(dropped)
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return dropped, true
}

func (q *queue) firstCue() int {
	for i := range q.items {
		if event.IsCue(q.items[i].Type) {
			return i
		}
	}
	return -1
}

func (q *queue) removeAt(i int) {
	copy(q.items[i:], q.items[i+1:])
	q.items[len(q.items)-1] = event.Raw{}
	q.items = q.items[:len(q.items)-1]
}

// take moves all pending items into dst (reused by the writer) and returns it.
func (q *queue) take(dst []event.Raw) []event.Raw {
	q.mu.Lock()
	defer q.mu.Unlock()
	dst = append(dst[:0], q.items...)
	clear(q.items)
	q.items = q.items[:0]
	return dst
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}
