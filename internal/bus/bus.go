// Package bus carries marshalled events out of calls to whoever consumes them: the
// websocket hub, the store recorder, integrations. The in-process Local bus is the
// embedded default; a NATS bus spreads the same stream over several nodes.
//
// Stage: after analysis, before hub and store. A subscriber's function is called on the
// publisher's goroutine (a call's hot path), so it must never block: subscribers put the
// event on their own bounded queue and return.
package bus

import (
	"sync"

	"github.com/undertone/undertone/internal/event"
)

// Bus is the event fan-out between calls and consumers.
type Bus interface {
	// Publish hands one event to every subscriber. It never blocks.
	Publish(raw event.Raw)
	// Subscribe registers fn for every event published from now on; the returned
	// function unsubscribes (safe to call twice).
	Subscribe(fn func(event.Raw)) (unsubscribe func())
	Close() error
}

// Local is the in-process bus: Publish calls each subscriber in turn.
type Local struct {
	mu   sync.RWMutex
	subs map[int]func(event.Raw)
	next int
}

var _ Bus = (*Local)(nil)

// NewLocal returns an empty in-process bus.
func NewLocal() *Local { return &Local{subs: map[int]func(event.Raw){}} }

// Publish implements Bus.
func (b *Local) Publish(raw event.Raw) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(raw)
	}
}

// Subscribe implements Bus.
func (b *Local) Subscribe(fn func(event.Raw)) func() {
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = fn
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}

// Close implements Bus; Local holds no resources.
func (b *Local) Close() error { return nil }
