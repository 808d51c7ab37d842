package call

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/event"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sink collects published events and recorded summaries.
type sink struct {
	mu     sync.Mutex
	events []event.Event
	ended  []Record
}

func (s *sink) publish(r event.Raw) {
	var ev event.Event
	if err := json.Unmarshal(r.Body, &ev); err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
}

func (s *sink) CallStarted(context.Context, Record) error { return nil }
func (s *sink) CallEnded(_ context.Context, r Record) error {
	s.mu.Lock()
	s.ended = append(s.ended, r)
	s.mu.Unlock()
	return nil
}

func (s *sink) count(call, typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ev := range s.events {
		if ev.Call == call && ev.Type == typ {
			n++
		}
	}
	return n
}

// noSleep lets tests feed audio faster than real time: the pacer still accounts for it
// but does not wait.
func noSleep(context.Context, time.Duration) bool { return true }

func newReg(t *testing.T, s *sink, mut func(*Config)) *Registry {
	cfg := Config{Publish: s.publish, Recorder: s, IdleTimeout: 2 * time.Second, Sleep: noSleep}
	if mut != nil {
		mut(&cfg)
	}
	r := NewRegistry(cfg)
	t.Cleanup(func() { _ = r.Drain(context.Background()) })
	return r
}

func sine(hz float64, n, rate int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return out
}

// feed plays 300 ms of faint noise then seconds of a tone into the party, as fast as it
// can, on a goroutine owned by the call; the returned channel closes when it is done.
func feed(c *Call, p event.Party, hz float64, seconds float64, leave bool) <-chan struct{} {
	done := make(chan struct{})
	c.Go("feed", func(ctx context.Context) {
		defer close(done)
		st, err := c.Join(p, "L16")
		if err != nil {
			panic(err)
		}
		quiet := make([]int16, 160)
		for i := range quiet {
			quiet[i] = int16(i%7 - 3)
		}
		for i := 0; i < 15; i++ {
			st.WritePCM(quiet, 8000)
		}
		tone := sine(hz, int(seconds*8000), 8000) // continuous phase across frames
		for i := 0; i+160 <= len(tone); i += 160 {
			if ctx.Err() != nil {
				return
			}
			st.WritePCM(tone[i:i+160], 8000)
		}
		if leave {
			c.Leave(p)
		}
	})
	return done
}

func TestCallEndsOnceWithSummaryBeforeCallEnded(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, nil)
	c, created, err := r.Open(OpenParams{ID: "c1", Source: "test"})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if again, created, _ := r.Open(OpenParams{ID: "c1"}); again != c || created {
		t.Fatal("second Open of a live id did not join the same call")
	}
	d1 := feed(c, event.Customer, 200, 1, false)
	// The agent leaves when its audio ends: the customer must have joined by then, or the
	// agent is the last party and its leave ends the call.
	for len(c.Info().Parties) == 0 {
		time.Sleep(time.Millisecond)
	}
	d2 := feed(c, event.Agent, 300, 1, true)
	<-d1
	<-d2
	c.End("hangup")
	c.End("again") // idempotent
	<-c.Done()
	if n := s.count("c1", event.CallEnded); n != 1 {
		t.Fatalf("%d call.ended events", n)
	}
	if len(s.ended) != 1 || s.ended[0].Reason != "hangup" || s.ended[0].Summary == nil {
		t.Fatalf("recorded %+v", s.ended)
	}
	ps := s.ended[0].Summary.Parties[event.Customer]
	if ps.MediaS < 0.9 || ps.MeanPitchHz < 190 || ps.MeanPitchHz > 210 {
		t.Fatalf("customer summary %+v", ps)
	}
	if _, _, err := r.Open(OpenParams{ID: "bad id!"}); err == nil {
		t.Fatal("bad id accepted")
	}
	if r.Live() != 0 {
		t.Fatal("ended call still live")
	}
	// Whoever keeps the ended *Call (hint ratings emit on it during wrap-up) does not keep
	// its streams' analysis state with it.
	c.mu.Lock()
	held := len(c.streams)
	c.mu.Unlock()
	if held != 0 || c.joiners != nil {
		t.Errorf("ended call still holds %d streams", held)
	}
}

func TestCallEndsWhenAllPartiesLeave(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, nil)
	c, _, _ := r.Open(OpenParams{ID: "c2", Source: "test"})
	feed(c, event.Customer, 200, 0.5, true)
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("call did not end after its only party left")
	}
	if s.ended[0].Reason != "hangup" {
		t.Fatalf("reason %q", s.ended[0].Reason)
	}
}

func TestIdleCallTimesOut(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, func(c *Config) { c.IdleTimeout = 300 * time.Millisecond })
	c, _, _ := r.Open(OpenParams{ID: "c3", Source: "test"})
	feed(c, event.Customer, 200, 0.2, false) // then the peer vanishes without hanging up
	select {
	case <-c.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("idle call not ended")
	}
	if s.ended[0].Reason != "timeout" {
		t.Fatalf("reason %q", s.ended[0].Reason)
	}
}

type panicky struct{ after int }

func (p *panicky) Hop(*Hop, Emitter) {
	if p.after--; p.after == 0 {
		panic("analyzer bug")
	}
}
func (p *panicky) Close(Emitter) {}

func TestPanicEndsOnlyThatCall(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, func(c *Config) {
		c.Analyzers = []AnalyzerFactory{func(id string, _ event.Party) Analyzer {
			if id == "boom" {
				return &panicky{after: 20}
			}
			return nil
		}}
	})
	boom, _, _ := r.Open(OpenParams{ID: "boom", Source: "test"})
	calm, _, _ := r.Open(OpenParams{ID: "calm", Source: "test"})
	feed(boom, event.Customer, 200, 1, false)
	calmDone := feed(calm, event.Customer, 200, 1, false)
	select {
	case <-boom.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("panicking call did not end")
	}
	if calm.Info().State != Live {
		t.Fatal("the other call was disturbed")
	}
	<-calmDone
	calm.End("hangup")
	var reasons []string
	for _, rec := range s.ended {
		reasons = append(reasons, rec.ID+":"+rec.Reason)
	}
	if len(reasons) != 2 || reasons[0] != "boom:error" {
		t.Fatalf("ended %v, want boom:error first", reasons)
	}
	if s.count("calm", event.Level) < 5 {
		t.Fatal("the calm call produced no cues")
	}
}

func TestDrainEndsEveryCallAndRefusesNew(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, nil)
	for _, id := range []string{"d1", "d2", "d3"} {
		c, _, _ := r.Open(OpenParams{ID: id, Source: "test"})
		feed(c, event.Customer, 150, 10, false)
	}
	if err := r.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(s.ended) != 3 {
		t.Fatalf("%d summaries written, want 3", len(s.ended))
	}
	for _, rec := range s.ended {
		if rec.Reason != "shutdown" {
			t.Fatalf("reason %q", rec.Reason)
		}
	}
	if _, _, err := r.Open(OpenParams{ID: "late"}); err == nil {
		t.Fatal("call opened while draining")
	}
}

func TestCueRateAtMostTenPerSecond(t *testing.T) {
	s := &sink{}
	r := newReg(t, s, nil)
	c, _, _ := r.Open(OpenParams{ID: "rate", Source: "test"})
	<-feed(c, event.Customer, 200, 3, false)
	c.End("hangup")
	for _, typ := range []string{event.Level, event.Pitch, event.VAD} {
		if n := s.count("rate", typ); n > 33 { // 3.3 s of audio
			t.Errorf("%d %s events for 3.3 s of audio: more than 10/s", n, typ)
		}
	}
	if n := s.count("rate", event.Level); n < 25 {
		t.Errorf("only %d level events for 3 s", n)
	}
}

func TestStreamPitchEventsAccurate(t *testing.T) {
	for _, hz := range []float64{85, 120, 220, 330, 440} {
		s := &sink{}
		r := newReg(t, s, nil)
		c, _, _ := r.Open(OpenParams{ID: "p", Source: "test"})
		<-feed(c, event.Customer, hz, 1, false)
		c.End("hangup")
		n := 0
		for _, ev := range s.events {
			if ev.Type != event.Pitch {
				continue
			}
			d := ev.Data.(map[string]any)
			if d["voiced"] != true {
				continue
			}
			n++
			if got := d["hz"].(float64); math.Abs(got-hz) > 0.01*hz {
				t.Errorf("%.0f Hz tone: pitch event %.1f Hz (more than 1 %% off)", hz, got)
			}
		}
		if n < 8 {
			t.Errorf("%.0f Hz tone: %d voiced pitch events in 1 s", hz, n)
		}
	}
}
