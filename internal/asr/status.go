package asr

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// StatusEvent is emitted right after call.started, and again every StatusRepeat, to say
// whether the embedded recogniser transcribes the call (the repeat keeps one in the hub's
// bounded per-call history for pages opened late in a long call). Agent and supervisor pages use it to say
// "no live transcript for Dutch calls: emotion and dynamics cues only" instead of leaving
// an empty transcript pane unexplained. Integrator transcripts
// (POST /v1/calls/{id}/transcript) work whatever it says.
const StatusEvent = "transcript.status"

// StatusRepeat is how often StatusEvent is repeated during a call.
const StatusRepeat = time.Minute

// Reasons a call gets no embedded transcript (StatusData.Reason).
const (
	ReasonLanguage   = "unsupported_language" // the engine has no model for the call's language
	ReasonNoEngine   = "no_recognizer"        // none configured or not compiled in
	MetaLang         = "lang"                 // call metadata key of the call's language
	metaLangFallback = "language"             // accepted as well (AudioHook's name)
)

// StatusData is the payload of StatusEvent.
type StatusData struct {
	Available bool   `json:"available"`        // embedded transcript events will come
	Engine    string `json:"engine,omitempty"` // e.g. pocketsphinx; empty: none
	Lang      string `json:"lang"`             // the call's language, normalised (en, nl)
	Reason    string `json:"reason,omitempty"` // ReasonLanguage or ReasonNoEngine when not available
	Message   string `json:"message"`          // one line for the UI
}

// LangOf returns the language a call's metadata gives (meta "lang", else "language"),
// normalised, or def when it gives none.
func LangOf(meta map[string]string, def string) string {
	l := meta[MetaLang]
	if l == "" {
		l = meta[metaLangFallback]
	}
	if l = Lang(l); l == "" {
		l = Lang(def)
	}
	return l
}

// Status says what StatusEvent reports for a call in lang with rec (nil: none).
func Status(rec Recognizer, lang string) StatusData {
	d := StatusData{Lang: lang}
	switch {
	case rec == nil:
		d.Reason, d.Message = ReasonNoEngine, "No embedded speech recogniser: transcripts only from the integrator; emotion and dynamics cues as usual."
	case !rec.Supports(lang):
		d.Engine, d.Reason = rec.Name(), ReasonLanguage
		d.Message = "No embedded transcript for language " + lang + ": emotion and dynamics cues only (transcripts from the integrator still appear)."
	default:
		d.Engine, d.Available = rec.Name(), true
		d.Message = "Live transcript by " + rec.Name() + " (" + lang + ", demo-grade accuracy)."
	}
	return d
}

// NewStatusFactory returns the call analyzer that emits StatusEvent when it sees the
// call's call.started. rec may be nil (no recogniser); defLang is the language of calls
// whose metadata has none.
func NewStatusFactory(rec Recognizer, defLang string) call.CallAnalyzerFactory {
	return func(string) call.CallAnalyzer { return &statusStage{rec: rec, def: defLang} }
}

type statusStage struct {
	rec  Recognizer
	def  string
	data *StatusData // nil until call.started
	last time.Duration
}

func (s *statusStage) Event(ev *event.Event, emit call.Emitter) {
	if s.data != nil || ev.Type != event.CallStarted {
		return
	}
	var meta map[string]string
	if d, ok := event.PayloadAs[event.CallInfo](ev.Data); ok {
		meta = d.Meta
	}
	d := Status(s.rec, LangOf(meta, s.def))
	s.data = &d
	emit.Emit(StatusEvent, "", 0, d)
}

func (s *statusStage) Tick(elapsed time.Duration, emit call.Emitter) {
	if s.data != nil && elapsed-s.last >= StatusRepeat {
		s.last = elapsed
		emit.Emit(StatusEvent, "", elapsed, *s.data)
	}
}

func (s *statusStage) Close(call.Emitter) {}

// CallLangs remembers each live call's language from its call.started, for
// Params.Lang. Subscribe Observe to the node's own event bus: the bus delivers
// call.started synchronously while the call opens, before any party joins, so the
// language is known when the Transcriber makes a party's analyzer.
type CallLangs struct {
	mu sync.Mutex
	by map[string]string
}

// NewCallLangs returns an empty tracker.
func NewCallLangs() *CallLangs { return &CallLangs{by: map[string]string{}} }

// Observe records call.started languages and forgets ended calls; other events cost a
// string comparison.
func (l *CallLangs) Observe(raw event.Raw) {
	switch raw.Type {
	case event.CallStarted:
		var ev struct {
			Data struct {
				Meta map[string]string `json:"meta"`
			} `json:"data"`
		}
		if json.Unmarshal(raw.Body, &ev) != nil {
			return
		}
		if lang := LangOf(ev.Data.Meta, ""); lang != "" {
			l.mu.Lock()
			l.by[raw.Call] = lang
			l.mu.Unlock()
		}
	case event.CallEnded:
		l.mu.Lock()
		delete(l.by, raw.Call)
		l.mu.Unlock()
	}
}

// Lang returns the language call.started gave for callID, or "" (use the default).
func (l *CallLangs) Lang(callID string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.by[callID]
}

// Len is how many live calls have a language recorded (tests check ended calls go).
func (l *CallLangs) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.by)
}
