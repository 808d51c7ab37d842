package asr

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// Wired like serve does it: the call's language from its metadata reaches the Transcriber
// before the first party joins (a Dutch call gets no analyzer, an English or unlabelled one
// does), and every call says once, in transcript.status, whether it is transcribed.
func TestLanguageFromCallMetaAndStatus(t *testing.T) {
	langs := NewCallLangs()
	var mu sync.Mutex
	var published []event.Raw
	rec := &fakeRecognizer{}
	tr := newTestTranscriber(t, rec, Params{Lang: langs.Lang, DefaultLang: "en"})
	got := map[string]bool{} // call → the customer got an analyzer
	reg := call.NewRegistry(call.Config{
		Publish: func(raw event.Raw) {
			langs.Observe(raw)
			mu.Lock()
			published = append(published, raw)
			mu.Unlock()
		},
		Analyzers: []call.AnalyzerFactory{func(id string, p event.Party) call.Analyzer {
			a := tr.Analyzer(id, p)
			mu.Lock()
			got[id] = a != nil
			mu.Unlock()
			if a == nil {
				return nil
			}
			return a
		}},
		Joiners: []call.CallAnalyzerFactory{NewStatusFactory(rec, "en")},
	})
	calls := map[string]map[string]string{"nl1": {"lang": "nl-NL"}, "en1": nil, "en2": {"language": "en-GB"}}
	for id, meta := range calls {
		c, _, err := reg.Open(call.OpenParams{ID: id, Source: "test", Meta: meta})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Join(event.Customer, "pcm"); err != nil {
			t.Fatal(err)
		}
	}
	if langs.Lang("nl1") != "nl" || langs.Lang("en2") != "en" || langs.Lang("en1") != "" {
		t.Errorf("languages: nl1=%q en2=%q en1=%q", langs.Lang("nl1"), langs.Lang("en2"), langs.Lang("en1"))
	}
	mu.Lock()
	if got["nl1"] || !got["en1"] || !got["en2"] {
		t.Errorf("analyzers made: %v; want none for the Dutch call only", got)
	}
	mu.Unlock()

	want := map[string]StatusData{
		"nl1": {Available: false, Engine: "fake", Lang: "nl", Reason: ReasonLanguage},
		"en1": {Available: true, Engine: "fake", Lang: "en"},
		"en2": {Available: true, Engine: "fake", Lang: "en"},
	}
	deadline := time.Now().Add(5 * time.Second)
	status := map[string][]StatusData{}
	for time.Now().Before(deadline) {
		status = map[string][]StatusData{}
		mu.Lock()
		for _, raw := range published {
			if raw.Type != StatusEvent {
				continue
			}
			var ev struct{ Data StatusData }
			if err := json.Unmarshal(raw.Body, &ev); err != nil {
				t.Fatal(err)
			}
			status[raw.Call] = append(status[raw.Call], ev.Data)
		}
		mu.Unlock()
		if len(status) == len(want) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for id, w := range want {
		s := status[id]
		if len(s) != 1 {
			t.Errorf("%s: %d status events, want 1", id, len(s))
			continue
		}
		if s[0].Message == "" {
			t.Errorf("%s: status without a message", id)
		}
		s[0].Message = ""
		if s[0] != w {
			t.Errorf("%s: status %+v, want %+v", id, s[0], w)
		}
	}
	for id := range calls {
		reg.Get(id).End("hangup")
	}
	if err := reg.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := langs.Len(); n != 0 {
		t.Errorf("%d ended calls still have a language recorded", n)
	}
}

// Without a recogniser every call is reported as not transcribed.
func TestStatusWithoutRecognizer(t *testing.T) {
	d := Status(nil, "en")
	if d.Available || d.Reason != ReasonNoEngine || d.Engine != "" || d.Lang != "en" {
		t.Errorf("no recogniser: %+v", d)
	}
	if l := LangOf(map[string]string{"lang": " NL_be "}, "en"); l != "nl" {
		t.Errorf("LangOf = %q, want nl", l)
	}
	if l := LangOf(nil, "en-US"); l != "en" {
		t.Errorf("LangOf default = %q, want en", l)
	}
	// Malformed call.started bodies are ignored, not fatal.
	l := NewCallLangs()
	l.Observe(event.Raw{Type: event.CallStarted, Call: "x", Body: []byte("{not json")})
	if l.Len() != 0 {
		t.Error("malformed call.started recorded")
	}
}

type countEmitter struct{ n map[string]int }

func (c *countEmitter) Emit(_ event.Party, _ time.Duration, data event.Payload) {
	typ := data.EventType()
	if _, ok := data.(*StatusData); !ok {
		panic("status payload is not StatusData")
	}
	c.n[typ]++
}

// The status is repeated every StatusRepeat (pages opened late in a long call find one in
// the hub's bounded history), and nothing is said before call.started.
func TestStatusRepeats(t *testing.T) {
	a := NewStatusFactory(nil, "en")("c")
	em := &countEmitter{n: map[string]int{}}
	a.Tick(2*StatusRepeat, em)
	if em.n[StatusEvent] != 0 {
		t.Fatal("status before call.started")
	}
	a.Event(&event.Event{Type: event.CallStarted, Data: &event.CallStartedData{}}, em)
	a.Event(&event.Event{Type: event.CallStarted, Data: &event.CallStartedData{}}, em)
	for el := time.Duration(0); el <= 3*StatusRepeat; el += call.TickInterval {
		a.Tick(el, em)
	}
	a.Close(em)
	if got := em.n[StatusEvent]; got != 4 { // at start, then at 1, 2 and 3 minutes
		t.Errorf("%d status events over 3 minutes, want 4", got)
	}
}
