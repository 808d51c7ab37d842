package asr

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/asr/asrtest"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// anyEmitter records every event, whatever its payload; safe from any goroutine.
type anyEmitter struct {
	mu  sync.Mutex
	evs []event.Event
}

func (r *anyEmitter) Emit(p event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	r.mu.Lock()
	r.evs = append(r.evs, event.Event{Type: typ, Party: p, T: t.Seconds(), Data: data})
	r.mu.Unlock()
}

func (r *anyEmitter) transcripts() []event.TranscriptData {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.TranscriptData
	for _, ev := range r.evs {
		if d, ok := ev.Data.(*event.TranscriptData); ok {
			out = append(out, *d)
		}
	}
	return out
}

func (r *anyEmitter) statuses() []StatusData {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []StatusData
	for _, ev := range r.evs {
		if d, ok := ev.Data.(*StatusData); ok {
			out = append(out, *d)
		}
	}
	return out
}

// A Dutch call through the Transcriber and the external engine: final transcripts in
// Dutch, marked as the engine's, with the recogniser's confidence and word times in media
// time; the utterance metrics count them.
func TestExternalTranscripts(t *testing.T) {
	srv := asrtest.NewFakeWhisper(nil)
	defer srv.Close()
	rec, m := openTest(t, srv.URL, func(c *OpenAIConfig) { c.Endpoints = map[string]Endpoint{"nl": {URL: srv.URL}} })
	tr := newTestTranscriber(t, rec, Params{DefaultLang: "nl", Metrics: m})
	if tr.p.Workers != 8 || tr.p.Queue != 16 {
		t.Errorf("pool %d/%d: the engine's size was not taken", tr.p.Workers, tr.p.Queue)
	}
	if tr.Supports("en") || !tr.Supports("nl") {
		t.Error("only the configured language (nl) is supported")
	}
	em := &anyEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	f.run(time.Second, false)
	f.run(time.Second, true)
	f.run(500*time.Millisecond, false)
	f.run(1500*time.Millisecond, true)
	f.run(500*time.Millisecond, false)
	a.Close(em)
	trs := em.transcripts()
	if len(trs) != 2 {
		t.Fatalf("%d transcripts, want 2", len(trs))
	}
	for _, d := range trs {
		if d.Source != OpenAI || d.Lang != "nl" || !d.Final || d.Confidence != 0.9 || !strings.HasSuffix(d.Text, "lang nl") {
			t.Errorf("transcript %+v", d)
		}
		if len(d.Words) != 4 || d.Words[0].Start < d.Start-1e-9 || d.Words[3].End > d.End+0.02 {
			t.Errorf("word times %+v outside %.2f..%.2f", d.Words, d.Start, d.End)
		}
	}
	if got := metricValue(m.Utterances.WithLabelValues("transcribed")); got != 2 {
		t.Errorf("utterances{transcribed} = %v", got)
	}
	if got := metricValue(m.Pending); got != 0 {
		t.Errorf("pending %v after Close", got)
	}
}

// A recogniser that goes down: audio hops never wait for it, utterances are dropped at
// once (counted) while it is down, transcript.status says so at the next tick, the
// party's Close does not hang, and when the recogniser answers a probe again the status
// says it recovered and transcripts flow again.
func TestRecognizerDownStatusNoStall(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	srv := asrtest.NewFakeWhisper(asrtest.Fail(503, `{"error":{"message":"CUDA out of memory"}}`))
	defer srv.Close()
	rec, m := openTest(t, srv.URL, func(c *OpenAIConfig) {
		c.DownAfter, c.ProbeAfter, c.Retries, c.Now = 2, 5*time.Second, NoRetries, clk.now
	})
	tr := newTestTranscriber(t, rec, Params{DefaultLang: "nl", Metrics: m})
	em := &anyEmitter{}
	st := NewStatusFactory(rec, "en")("c1")
	st.Event(&event.Event{Type: event.CallStarted, Data: &event.CallStartedData{Meta: map[string]string{"lang": "nl"}}}, em)
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	el := time.Duration(0)
	tick := func() { el += call.TickInterval; st.Tick(el, em) }

	start := time.Now()
	slowest := time.Duration(0)
	for range 12 { // 12 utterances of 1 s
		t0 := time.Now()
		f.run(time.Second, true)
		f.run(300*time.Millisecond, false)
		slowest = max(slowest, time.Since(t0))
		time.Sleep(20 * time.Millisecond) // let the workers answer
		tick()
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("feeding 15.6 s of audio took %s with the recogniser down", took)
	}
	s := em.statuses()
	if len(s) < 2 || !s[0].Available || s[0].Health != HealthOK {
		t.Fatalf("statuses %+v: want ok first", s)
	}
	down := s[len(s)-1]
	if down.Available || down.Reason != ReasonDown || down.Health != HealthDown || !strings.Contains(down.Message, "CUDA out of memory") {
		t.Errorf("status while down: %+v", down)
	}
	if n := len(srv.Requests()); n > 3 {
		t.Errorf("%d requests to a down recogniser for 12 utterances, want DownAfter=2 (+1 if a probe raced)", n)
	}
	if got := metricValue(m.Utterances.WithLabelValues("dropped_unavailable")); got < 9 {
		t.Errorf("utterances{dropped_unavailable} = %v, want ≥ 9 of 12", got)
	}

	// It recovers: after the probe wait the next utterance is the probe, and succeeds.
	srv.SetBehaviour(asrtest.AnswerVerbose)
	clk.add(5 * time.Second)
	f.run(time.Second, true)
	f.run(300*time.Millisecond, false)
	deadline := time.Now().Add(3 * time.Second)
	for len(em.transcripts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	tick()
	s = em.statuses()
	if up := s[len(s)-1]; !up.Available || up.Health != HealthOK || up.Reason != "" {
		t.Errorf("status after recovery: %+v", up)
	}
	t0 := time.Now()
	a.Close(em)
	if d := time.Since(t0); d > time.Second {
		t.Errorf("party Close took %s", d)
	}
	if len(em.transcripts()) != 1 {
		t.Errorf("%d transcripts after recovery, want 1", len(em.transcripts()))
	}
	t.Logf("slowest 1.3 s of hops: %s; statuses %d; requests %d", slowest, len(em.statuses()), len(srv.Requests()))
}

// One language's recogniser hanging does not starve another's: English calls keep their
// transcripts while the Dutch endpoint times out and then goes down.
func TestOneEndpointDownOthersFine(t *testing.T) {
	hang := asrtest.NewFakeWhisper(asrtest.Slowly(time.Minute, asrtest.AnswerVerbose))
	defer hang.Close()
	good := asrtest.NewFakeWhisper(nil)
	defer good.Close()
	rec, _ := openTest(t, good.URL, func(c *OpenAIConfig) {
		c.Endpoints = map[string]Endpoint{"nl": {URL: hang.URL}, "en": {URL: good.URL}}
		c.Timeout, c.Retries, c.DownAfter, c.Concurrency = 200*time.Millisecond, NoRetries, 2, 2
	})
	langs := map[string]string{"nl1": "nl", "en1": "en"}
	tr := newTestTranscriber(t, rec, Params{Lang: func(id string) string { return langs[id] }})
	emNL, emEN := &anyEmitter{}, &anyEmitter{}
	nl, en := newFeeder(tr.Analyzer("nl1", event.Customer), emNL), newFeeder(tr.Analyzer("en1", event.Customer), emEN)
	const n = 8
	for range n {
		nl.run(time.Second, true)
		en.run(time.Second, true)
		nl.run(300*time.Millisecond, false)
		en.run(300*time.Millisecond, false)
		time.Sleep(100 * time.Millisecond) // a talker's pace, compressed
	}
	nl.a.Close(emNL)
	en.a.Close(emEN)
	if got := len(emEN.transcripts()); got != n {
		t.Errorf("English transcripts %d of %d while the Dutch recogniser hung", got, n)
	}
	if h := rec.Health("nl"); h.State != HealthDown {
		t.Errorf("Dutch endpoint %+v, want down", h)
	}
	if h := rec.Health("en"); h.State != HealthOK {
		t.Errorf("English endpoint %+v", h)
	}
	t.Logf("stats %+v; Dutch requests %d", tr.Stats(), len(hang.Requests()))
}
