package hub

import (
	"sync"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// queue is one client's bounded outbox. Drop policy when full: coalesce a pending live
// cue of the same type and party (the new one replaces it); else drop any pending cue;
// else refuse the event and report the client as too slow. A client whose oldest pending
// event has waited longer than maxLag is too slow as well: the kernel's socket buffers
// can hide a stalled reader for minutes, and its events would be stale when they arrive.
type queue struct {
	mu      sync.Mutex
	items   []event.Raw
	at      []time.Time // when each item was queued
	max     int
	maxLag  time.Duration // 0: no bound
	notify  chan struct{}
	closed  bool
	dropped uint64 // cues coalesced or dropped
}

func newQueue(max int, maxLag time.Duration) *queue {
	return &queue{max: max, maxLag: maxLag, notify: make(chan struct{}, 1)}
}

// push appends raw, queued at now; it returns the number of cues dropped to make room
// and ok=false when the client must be disconnected.
func (q *queue) push(raw event.Raw, now time.Time) (dropped int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, true
	}
	if q.maxLag > 0 && len(q.at) > 0 && now.Sub(q.at[0]) > q.maxLag {
		return 0, false
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
	q.at = append(q.at, now)
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
	copy(q.at[i:], q.at[i+1:])
	q.at = q.at[:len(q.at)-1]
}

// take moves all pending items into dst (reused by the writer) and returns it.
func (q *queue) take(dst []event.Raw) []event.Raw {
	q.mu.Lock()
	defer q.mu.Unlock()
	dst = append(dst[:0], q.items...)
	clear(q.items)
	q.items = q.items[:0]
	q.at = q.at[:0]
	return dst
}

// pending returns how many items wait.
func (q *queue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}
