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
const StatusEvent = event.TranscriptStatus

// StatusRepeat is how often StatusEvent is repeated during a call.
const StatusRepeat = time.Minute

// Reasons a call gets no embedded transcript (StatusData.Reason), or gets it late.
const (
	ReasonLanguage   = "unsupported_language" // the engine has no model for the call's language
	ReasonNoEngine   = "no_recognizer"        // none configured or not compiled in
	ReasonDown       = "recognizer_down"      // the external recogniser is failing: none until it recovers
	ReasonSlow       = "recognizer_slow"      // available, but transcripts come late
	MetaLang         = "lang"                 // call metadata key of the call's language
	metaLangFallback = "language"             // accepted as well (AudioHook's name)
)

// StatusData is the payload of StatusEvent (event.TranscriptStatusData).
type StatusData = event.TranscriptStatusData

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
		d.Message = "Live transcript by " + rec.Name() + " (" + lang + ")."
		if rec.Name() == PocketSphinx {
			d.Message = "Live transcript by " + rec.Name() + " (" + lang + ", demo-grade accuracy)."
		}
		if hr, ok := rec.(HealthReporter); ok {
			withHealth(&d, hr.Health(lang))
		}
	}
	return d
}

// withHealth folds a run-time health into an available status.
func withHealth(d *StatusData, h Health) {
	d.Health = h.State
	switch h.State {
	case HealthDown:
		d.Available, d.Reason = false, ReasonDown
		d.Message = "Speech recogniser " + d.Engine + " (" + d.Lang + ") not answering (" + h.Detail +
			"): no live transcript until it recovers; emotion and dynamics cues as usual."
	case HealthSlow:
		d.Reason = ReasonSlow
		d.Message = "Live transcript by " + d.Engine + " (" + d.Lang + ") comes late: the recogniser " + h.Detail + "."
	}
}

// NewStatusFactory returns the call analyzer that emits StatusEvent when it sees the
// call's call.started. rec may be nil (no recogniser); defLang is the language of calls
// whose metadata has none.
func NewStatusFactory(rec Recognizer, defLang string) call.CallAnalyzerFactory {
	return func(string) call.CallAnalyzer { return &statusStage{rec: rec, def: defLang} }
}

type statusStage struct {
	rec  Recognizer
	hr   HealthReporter // rec, when it reports its health and transcribes this call
	def  string
	data *StatusData // nil until call.started
	last time.Duration
}

func (s *statusStage) Event(ev *event.Event, emit call.Emitter) {
	if s.data != nil || ev.Type != event.CallStarted {
		return
	}
	var meta map[string]string
	if d, ok := ev.Data.(*event.CallStartedData); ok {
		meta = d.Meta
	}
	d := Status(s.rec, LangOf(meta, s.def))
	s.data = &d
	s.hr, _ = s.rec.(HealthReporter)
	if d.Engine == "" || d.Reason == ReasonLanguage {
		s.hr = nil // nothing to watch: no transcript for this call whatever the health
	}
	emit.Emit("", 0, &d)
}

// Tick repeats the status every StatusRepeat and, for an engine that reports its health,
// emits a new one as soon as the health of the call's language changes (down, slow,
// recovered).
func (s *statusStage) Tick(elapsed time.Duration, emit call.Emitter) {
	if s.data == nil {
		return
	}
	if s.hr != nil {
		if h := s.hr.Health(s.data.Lang); h.State != s.data.Health {
			d := Status(s.rec, s.data.Lang)
			s.data, s.last = &d, elapsed
			emit.Emit("", elapsed, &d)
			return
		}
	}
	if elapsed-s.last >= StatusRepeat {
		s.last = elapsed
		d := *s.data // the stage keeps its own; emitted payloads are not changed after
		emit.Emit("", elapsed, &d)
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
