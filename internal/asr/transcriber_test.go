package asr

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// feeder drives one party analyzer hop by hop, like call.Stream does.
type feeder struct {
	a   call.Analyzer
	em  call.Emitter
	t   time.Duration
	buf []float32
	h   call.Hop
}

func newFeeder(a call.Analyzer, em call.Emitter) *feeder {
	return &feeder{a: a, em: em, buf: make([]float32, call.HopSamples)}
}

// run feeds d of audio: a 200 Hz tone when speech, zeros otherwise.
func (f *feeder) run(d time.Duration, speech bool) {
	for i := 0; i < int(d/hopDur); i++ {
		for k := range f.buf {
			f.buf[k] = 0
			if speech {
				f.buf[k] = 0.3 * float32(math.Sin(2*math.Pi*200*float64(k)/call.SampleRate))
			}
		}
		f.t += hopDur
		f.h = call.Hop{Party: event.Customer, T: f.t, Samples: f.buf, Speech: speech}
		f.a.Hop(&f.h, f.em)
	}
}

func newTestTranscriber(t *testing.T, rec Recognizer, p Params) *Transcriber {
	t.Helper()
	p.Recognizer = rec
	tr, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

func TestFinalTranscriptPerUtterance(t *testing.T) {
	tr := newTestTranscriber(t, &fakeRecognizer{}, Params{})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	if a == nil {
		t.Fatal("no analyzer for an English call")
	}
	f := newFeeder(a, em)
	f.run(time.Second, false)
	f.run(time.Second, true) // utterance 1: 1.0 .. 2.0 s, plus 300 ms pre-roll
	f.run(500*time.Millisecond, false)
	f.run(100*time.Millisecond, true) // a click: below MinSpeech, skipped
	f.run(500*time.Millisecond, false)
	f.run(2*time.Second, true) // utterance 2, still open at Close
	a.Close(em)

	evs := em.events()
	if len(evs) != 2 {
		t.Fatalf("got %d transcripts, want 2: %+v", len(evs), evs)
	}
	u := evs[0].data
	if evs[0].typ != event.Transcript || evs[0].party != event.Customer || !u.Final || u.Lang != "en" || u.Source != "fake" {
		t.Errorf("event 1 = %+v", evs[0])
	}
	// 0.3 s pre-roll + 1 s speech + the hop where the VAD says silence.
	if want := 16000*13/10 + call.HopSamples; u.Text != fmt.Sprintf("samples %d", want) {
		t.Errorf("utterance 1 text %q, want samples %d", u.Text, want)
	}
	if math.Abs(u.Start-0.7) > 0.011 || math.Abs(u.End-2.01) > 0.011 {
		t.Errorf("utterance 1 spans %.3f..%.3f s, want 0.7..2.01", u.Start, u.End)
	}
	if len(u.Words) != 1 || math.Abs(u.Words[0].Start-u.Start) > 1e-9 {
		t.Errorf("word times not in media time: %+v", u.Words)
	}
	if u.Segment != "customer-asr-1" || evs[1].data.Segment != "customer-asr-2" {
		t.Errorf("segments %q, %q; want customer-asr-1, customer-asr-2", u.Segment, evs[1].data.Segment)
	}
	if u2 := evs[1].data; math.Abs(u2.End-5.1) > 0.011 {
		t.Errorf("utterance 2 (flushed at Close) ends at %.3f, want 5.1", u2.End)
	}
	st := tr.Stats()
	if st.Short != 1 || st.Emitted != 2 || st.Pending != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestLongSpeechIsCut(t *testing.T) {
	tr := newTestTranscriber(t, &fakeRecognizer{}, Params{MaxUtter: time.Second})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	f.run(3500*time.Millisecond, true)
	f.run(time.Second, false)
	a.Close(em)
	if n := len(em.events()); n != 4 {
		t.Fatalf("3.5 s of speech with MaxUtter 1 s gave %d transcripts, want 4", n)
	}
	if st := tr.Stats(); st.Cut != 3 {
		t.Errorf("cut %d, want 3", st.Cut)
	}
}

func TestOnlySupportedLanguagesAndParties(t *testing.T) {
	langs := map[string]string{"nl": "nl-NL", "en": "en-GB", "none": "", "de": "de"}
	tr := newTestTranscriber(t, &fakeRecognizer{}, Params{
		Lang:    func(id string) string { return langs[id] },
		Parties: []event.Party{event.Customer},
	})
	for id, want := range map[string]bool{"nl": false, "en": true, "none": true, "de": false} {
		if got := tr.Analyzer(id, event.Customer) != nil; got != want {
			t.Errorf("call %s (%q): analyzer %v, want %v", id, langs[id], got, want)
		}
	}
	if tr.Analyzer("en", event.Agent) != nil {
		t.Error("agent transcribed though only the customer was asked for")
	}
	if !tr.Supports("EN_us") || tr.Supports("nl") {
		t.Error("Supports")
	}
	// A Dutch default language: unmarked calls get nothing either.
	nl := newTestTranscriber(t, &fakeRecognizer{}, Params{DefaultLang: "nl"})
	if nl.Analyzer("x", event.Customer) != nil {
		t.Error("default nl still transcribed")
	}
}

// The hot path never waits for decoding: with every worker stuck, hops stay fast, the
// queue stays bounded and the oldest utterances are dropped.
func TestQueueBoundDropOldest(t *testing.T) {
	rec := &fakeRecognizer{gate: make(chan struct{})}
	tr := newTestTranscriber(t, rec, Params{Workers: 1, Queue: 3})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	start := time.Now()
	const n = 10
	for i := range n {
		f.run(time.Duration(300+10*i)*time.Millisecond, true) // distinct lengths identify them
		f.run(200*time.Millisecond, false)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("feeding %d utterances with stuck workers took %v", n, el)
	}
	// One utterance may be in the worker (waiting at the gate), three queued; the rest dropped.
	st := tr.Stats()
	if st.Queued != n || st.Dropped < n-4 || st.Dropped > n-3 || st.Pending != int(n-st.Dropped) {
		t.Fatalf("stats %+v", st)
	}
	if len(tr.queue) != 3 {
		t.Errorf("queue holds %d, want its bound 3", len(tr.queue))
	}
	close(rec.gate)
	a.Close(em)
	evs := em.events()
	if len(evs) != int(n-st.Dropped) {
		t.Fatalf("%d transcripts, want %d", len(evs), n-st.Dropped)
	}
	// The newest utterance survived (drop-oldest).
	last := evs[len(evs)-1].data
	if want := 16000 * (390 + 300 + 10) / 1000; last.Text != fmt.Sprintf("samples %d", want) {
		t.Errorf("last transcript %q, want samples %d", last.Text, want)
	}
	if st := tr.Stats(); st.DropPolicy != DropPolicy || st.Pending != 0 {
		t.Errorf("stats after drain %+v", st)
	}
}

func TestHopDoesNotAllocate(t *testing.T) {
	tr := newTestTranscriber(t, &fakeRecognizer{}, Params{})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	f.run(time.Second, false)
	if n := testing.AllocsPerRun(200, func() { f.run(hopDur, false) }); n != 0 {
		t.Errorf("silence hop allocates %.1f times", n)
	}
	f.run(100*time.Millisecond, true)
	if n := testing.AllocsPerRun(200, func() { f.run(hopDur, true) }); n != 0 {
		t.Errorf("speech hop allocates %.1f times", n)
	}
	a.Close(em)
}

func TestPartyCloseGivesUpAfterFlushWait(t *testing.T) {
	rec := &fakeRecognizer{gate: make(chan struct{})}
	tr := newTestTranscriber(t, rec, Params{FlushWait: 50 * time.Millisecond})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	f.run(time.Second, true)
	t0 := time.Now()
	a.Close(em)
	if el := time.Since(t0); el < 50*time.Millisecond || el > time.Second {
		t.Errorf("Close waited %v, want about FlushWait", el)
	}
	close(rec.gate)
	deadline := time.Now().Add(5 * time.Second)
	for tr.Stats().Pending > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := len(em.events()); n != 0 {
		t.Errorf("%d transcripts emitted after the party closed", n)
	}
	if st := tr.Stats(); st.Abandoned != 1 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Close cancels stuck decodes, waits for its workers (goleak checks they are gone) and
// is safe twice; hops after Close are dropped, not queued.
func TestCloseWaitsAndCancels(t *testing.T) {
	rec := &fakeRecognizer{gate: make(chan struct{}), delay: time.Hour}
	tr := newTestTranscriber(t, rec, Params{Workers: 2, Queue: 4, FlushWait: time.Millisecond})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Customer)
	f := newFeeder(a, em)
	for range 5 {
		f.run(500*time.Millisecond, true)
		f.run(100*time.Millisecond, false)
	}
	done := make(chan error)
	go func() { done <- tr.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := tr.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	f.run(500*time.Millisecond, true)
	f.run(100*time.Millisecond, false)
	a.Close(em)
	// Six utterances, none decoded. Whether the fifth finds a worker free or the full
	// queue (and drops the oldest) depends on scheduling; every one is either dropped or
	// abandoned, and the one after Close is abandoned.
	st := tr.Stats()
	if st.Pending != 0 || st.Emitted != 0 || st.Decoded != 0 || st.Abandoned+st.Dropped != 6 || st.Dropped > 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestConcurrentParties(t *testing.T) {
	rec := &fakeRecognizer{delay: 2 * time.Millisecond}
	tr := newTestTranscriber(t, rec, Params{Workers: 3, Queue: 64})
	em := &recEmitter{}
	done := make(chan struct{})
	const calls = 8
	for i := range calls {
		go func() {
			defer func() { done <- struct{}{} }()
			a := tr.Analyzer(fmt.Sprint("c", i), event.Customer)
			f := newFeeder(a, em)
			for range 5 {
				f.run(300*time.Millisecond, true)
				f.run(100*time.Millisecond, false)
			}
			a.Close(em)
		}()
	}
	for range calls {
		<-done
	}
	if n := len(em.events()); n != calls*5 {
		t.Errorf("%d transcripts, want %d", n, calls*5)
	}
	if rec.peak > 3 {
		t.Errorf("%d streams at once with 3 workers", rec.peak)
	}
}

func TestNewNeedsRecognizer(t *testing.T) {
	if _, err := New(Params{}); err == nil {
		t.Fatal("New without a recognizer")
	}
}

func TestRegistry(t *testing.T) {
	if _, err := Open("nope", Config{}); !errors.Is(err, ErrUnknownEngine) {
		t.Errorf("unknown engine: %v", err)
	}
	found := false
	for _, n := range Engines() {
		found = found || n == PocketSphinx
	}
	if !found {
		t.Errorf("engines %v lack %s", Engines(), PocketSphinx)
	}
	if !PocketSphinxBuiltIn {
		if _, err := Open(PocketSphinx, Config{}); !errors.Is(err, ErrNotBuiltIn) {
			t.Errorf("untagged build: %v, want ErrNotBuiltIn", err)
		}
	}
	if _, err := Open(PocketSphinx, Config{Model: t.TempDir()}); err == nil {
		t.Error("empty model directory accepted")
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"en-US": "en", "EN_gb": "en", "nl-NL": "nl", "": "", " nl ": "nl", "en": "en"} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}

// Recognised text goes through redaction before it is emitted, and word timings that
// would carry the redacted words are dropped.
func TestTranscriptRedacted(t *testing.T) {
	tr := newTestTranscriber(t, &fakeRecognizer{}, Params{Redact: func(s string) (string, int) {
		return strings.ReplaceAll(s, "samples", "[X]"), strings.Count(s, "samples")
	}})
	em := &recEmitter{}
	a := tr.Analyzer("c1", event.Agent)
	f := newFeeder(a, em)
	f.run(time.Second, true)
	f.run(100*time.Millisecond, false)
	a.Close(em)
	evs := em.events()
	if len(evs) != 1 {
		t.Fatalf("got %d transcripts, want 1", len(evs))
	}
	if d := evs[0].data; !strings.HasPrefix(d.Text, "[X] ") || d.Redacted != 1 || d.Words != nil {
		t.Errorf("redacted transcript = %+v", d)
	}
}
