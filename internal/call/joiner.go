package call

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// CallAnalyzer joins the parties of one call: conversation dynamics, transcripts to
// intents, hints. It sees every event the call emits (live cues, emotion, transcripts,
// other analyzers' output) in sequence order, on the call's joiner goroutine — never on a
// party's hot path. It must ignore the event types it emits itself.
type CallAnalyzer interface {
	// Event is called for each event of the call. ev.Data holds the payload value as
	// emitted (e.g. event.VADData), not decoded JSON.
	Event(ev *event.Event, emit Emitter)
	// Tick is called about every TickInterval with the call's elapsed time, for
	// conditions that arise from nothing happening (dead air).
	Tick(elapsed time.Duration, emit Emitter)
	// Close is called once when the call ends, before the summary is written.
	Close(emit Emitter)
}

// Summarizer is a CallAnalyzer that contributes to the call's summary: Summarize is
// called once, after Close, before the summary is stored and call.ended published.
type Summarizer interface {
	Summarize(s *event.Summary)
}

// CallAnalyzerFactory makes the analyzers of one call; nil means none.
type CallAnalyzerFactory func(callID string) CallAnalyzer

// TickInterval is how often CallAnalyzer.Tick runs.
const TickInterval = 500 * time.Millisecond

// joinQueue bounds the events waiting for the joiner. Live level and pitch cues never go
// there (no call analyzer needs them); what does is a few events per second, so the queue
// only fills when an analyzer hangs — 256 is most of a minute of them. Drop policy then: the new
// event is dropped, counted and logged — the hot path never waits for the joiner. (The
// channel's buffer is allocated with the call: at 1024 events it was 96 KiB a call.)
const joinQueue = 256

// enqueue hands an emitted event to the joiner without blocking. Called with emitMu held,
// so the joiner sees events in sequence order.
func (c *Call) enqueue(ev event.Event) {
	if c.joinCh == nil || ev.Type == event.Level || ev.Type == event.Pitch {
		return
	}
	select {
	case c.joinCh <- ev:
	default:
		c.cfg.Metrics.QueueDrops.WithLabelValues("call_joiner").Inc()
		if c.joinDrops++; c.joinDrops == 1 || c.joinDrops%100 == 0 {
			c.log.Warn("call analyzers are behind; dropping events for them", "type", ev.Type, "dropped", c.joinDrops)
		}
	}
}

func (c *Call) startJoiner(fs []CallAnalyzerFactory) {
	for _, f := range fs {
		if a := f(c.id); a != nil {
			c.joiners = append(c.joiners, a)
		}
	}
	if len(c.joiners) == 0 {
		return
	}
	c.joinCh = make(chan event.Event, joinQueue)
	c.joinStop = make(chan struct{})
	c.joinDone = make(chan struct{})
	go c.join() // owned by finish, which closes joinStop and waits for joinDone
}

// join runs the call analyzers until the call ends, then drains what is queued and
// closes them.
func (c *Call) join() {
	defer close(c.joinDone)
	tick := time.NewTicker(TickInterval)
	defer tick.Stop()
	for {
		select {
		case ev := <-c.joinCh:
			c.dispatch(&ev)
		case <-tick.C:
			el := c.cfg.Now().Sub(c.started)
			c.safely("tick", func() {
				for _, a := range c.joiners {
					a.Tick(el, c)
				}
			})
		case <-c.joinStop:
			for {
				select {
				case ev := <-c.joinCh:
					c.dispatch(&ev)
				default:
					c.safely("close", func() {
						for _, a := range c.joiners {
							a.Close(c)
						}
					})
					return
				}
			}
		}
	}
}

func (c *Call) dispatch(ev *event.Event) {
	c.safely("event "+ev.Type, func() {
		for _, a := range c.joiners {
			a.Event(ev, c)
		}
	})
}

// safely runs fn; a panic disables the call analyzers and ends this call only.
func (c *Call) safely(what string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.Metrics.Panics.Inc()
			c.log.Error("panic in a call analyzer; ending the call", "at", what,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			c.joiners = nil
			go c.End("error")
		}
	}()
	fn()
}
