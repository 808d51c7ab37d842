package call

import (
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// recorder is a CallAnalyzer that notes what it sees and answers each speech onset with
// a dynamics event, like a real dynamics stage would.
type recorderAnalyzer struct {
	mu      sync.Mutex
	seen    []string
	seqs    []uint64
	ticks   int
	closed  bool
	panicOn string
}

func (r *recorderAnalyzer) Event(ev *event.Event, emit Emitter) {
	if ev.Type == r.panicOn {
		panic("joiner bug")
	}
	r.mu.Lock()
	r.seen = append(r.seen, ev.Type)
	r.seqs = append(r.seqs, ev.Seq)
	r.mu.Unlock()
	if v, ok := ev.Data.(*event.VADData); ok && v.Speech {
		emit.Emit("", time.Duration(ev.T*float64(time.Second)), &event.DynamicsData{T: ev.T})
	}
}
func (r *recorderAnalyzer) Tick(time.Duration, Emitter) { r.mu.Lock(); r.ticks++; r.mu.Unlock() }
func (r *recorderAnalyzer) Close(Emitter)               { r.mu.Lock(); r.closed = true; r.mu.Unlock() }

func TestJoinerSeesEventsInOrderAndItsOwnOutput(t *testing.T) {
	s := &sink{}
	ra := &recorderAnalyzer{}
	r := newReg(t, s, func(c *Config) {
		c.Joiners = []CallAnalyzerFactory{func(string) CallAnalyzer { return ra }}
	})
	c, _, _ := r.Open(OpenParams{ID: "j1", Source: "test"})
	<-feed(c, event.Customer, 200, 1.2, false)
	time.Sleep(600 * time.Millisecond) // at least one tick
	c.End("hangup")
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if !ra.closed || ra.ticks == 0 {
		t.Fatalf("closed %v ticks %d", ra.closed, ra.ticks)
	}
	for i := 1; i < len(ra.seqs); i++ {
		if ra.seqs[i] <= ra.seqs[i-1] {
			t.Fatalf("joiner saw seq %d after %d", ra.seqs[i], ra.seqs[i-1])
		}
	}
	has := map[string]bool{}
	for _, typ := range ra.seen {
		has[typ] = true
	}
	if !has[event.CallStarted] || !has[event.VAD] || !has[event.Dynamics] || has[event.Level] {
		t.Fatalf("joiner saw %v", has)
	}
	if s.count("j1", event.Dynamics) == 0 {
		t.Fatal("the joiner's own event was not published")
	}
}

func TestJoinerPanicEndsTheCall(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, func(c *Config) {
		c.Joiners = []CallAnalyzerFactory{func(string) CallAnalyzer { return &recorderAnalyzer{panicOn: event.VAD} }}
	})
	c, _, _ := r.Open(OpenParams{ID: "j2", Source: "test"})
	feed(c, event.Customer, 200, 1, false)
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("call with a panicking analyzer did not end")
	}
	if s.ended[0].Reason != "error" {
		t.Fatalf("reason %q", s.ended[0].Reason)
	}
}
