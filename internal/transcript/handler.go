package transcript

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/redact"
)

// Route is the pattern the handler is mounted at.
const Route = "POST /v1/calls/{id}/transcript"

// Request is the body of POST /v1/calls/{id}/transcript. Unknown fields are refused so a
// misspelt field fails loudly instead of being ignored.
type Request struct {
	Party      string                 `json:"party"`             // customer or agent
	Start      *float64               `json:"start"`             // media seconds since the call started
	End        *float64               `json:"end"`               //
	Text       string                 `json:"text"`              //
	Final      *bool                  `json:"final,omitempty"`   // default true
	Partial    *bool                  `json:"partial,omitempty"` // the other way to say final=false
	Lang       string                 `json:"lang,omitempty"`    // nl, en, nl-NL, …
	Confidence *float64               `json:"confidence,omitempty"`
	Segment    string                 `json:"segment,omitempty"` // the integrator's own segment id, optional
	Words      []event.TranscriptWord `json:"words,omitempty"`
}

// Response is the body of a 202 answer.
type Response struct {
	Segment  string `json:"segment"`
	Final    bool   `json:"final"`
	Redacted int    `json:"redacted"`
}

// Params configure the handler. Zero fields take the defaults in brackets.
type Params struct {
	Registry *call.Registry
	// Redact replaces identifying numbers in text and says how many spans it replaced
	// [redact.Redact with identifying numbers only, amounts kept].
	Redact   func(text string) (string, int)
	MaxBody  int64         // request body limit in bytes [16 KiB]
	MaxText  int           // text limit in bytes [4 KiB]
	MaxWords int           // word timings per request [400]
	MaxSpan  time.Duration // longest segment end−start [10m]
	Log      *slog.Logger
	// Writable reports whether the store keeps what is accepted now (store.Recorder's
	// Writable); while it returns an error, transcripts get 503 with Retry-After instead
	// of a 202 for a line that may never be stored. Nil: always.
	Writable func() error
}

func (p *Params) defaults() {
	if p.Redact == nil {
		p.Redact = func(s string) (string, int) {
			out, spans := redact.Redact(s, redact.Options{})
			return out, len(spans)
		}
	}
	if p.MaxBody <= 0 {
		p.MaxBody = 16 << 10
	}
	if p.MaxText <= 0 {
		p.MaxText = 4 << 10
	}
	if p.MaxWords <= 0 {
		p.MaxWords = 400
	}
	if p.MaxSpan <= 0 {
		p.MaxSpan = 10 * time.Minute
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
}

// Handler serves POST /v1/calls/{id}/transcript.
type Handler struct {
	p    Params
	mu   sync.Mutex
	open map[segKey]*segState // per live call and party
}

type segKey struct {
	call  string
	party event.Party
}

type segState struct {
	n    int    // segments committed so far
	open string // id of the segment partials are updating, "" when none
}

// New returns a handler; Params.Registry is required.
func New(p Params) *Handler {
	p.defaults()
	return &Handler{p: p, open: map[segKey]*segState{}}
}

// Mount mounts the handler on the API for the integrator role (admins too) and returns it.
// A nil Params.Registry takes the API's.
func Mount(s *api.Server, p Params) *Handler {
	if p.Registry == nil {
		p.Registry = s.Registry()
	}
	h := New(p)
	s.Handle(Route, s.Authed(auth.Ingest, h.Serve))
	return h
}

// RetryAfterStore is the Retry-After (seconds) of a 503 while the store cannot write.
const RetryAfterStore = "5"

// Errors a request can fail with; the 400 body names the field.
var (
	ErrBadRequest = errors.New("bad transcript")
	ErrNoCall     = errors.New("no live call")
)

// Serve handles one transcript for the call in the path. Called after authentication;
// only the integrator that opened the call (or an admin) may push to it.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := r.PathValue("id")
	if err := call.ValidID(id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if h.p.Writable != nil {
		if err := h.p.Writable(); err != nil {
			w.Header().Set("Retry-After", RetryAfterStore)
			writeError(w, http.StatusServiceUnavailable, "transcript: not accepted now: "+err.Error())
			return
		}
	}
	req, code, err := h.decode(w, r)
	if err != nil {
		writeError(w, code, err.Error())
		return
	}
	c := h.p.Registry.Get(id)
	if c == nil {
		if _, ended := h.p.Registry.Lookup(id); ended {
			writeError(w, http.StatusConflict, "transcript: call "+id+" has ended")
			return
		}
		writeError(w, http.StatusNotFound, "transcript: no live call "+id)
		return
	}
	if p.Role != auth.Admin && c.Owner() != p.Key() {
		writeError(w, http.StatusForbidden, "transcript: call "+id+" was opened by another integrator")
		return
	}
	d, party := h.build(c, req)
	c.Emit(event.Transcript, party, secondsDur(d.End), d)
	writeJSON(w, http.StatusAccepted, Response{Segment: d.Segment, Final: d.Final, Redacted: d.Redacted})
}

// decode reads and validates the body; it returns the status code to answer with on error.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request) (*Request, int, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("transcript: content type %s: want application/json", clip.Quote(ct))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.p.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("transcript: body over %d bytes", tooBig.Limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("transcript: reading body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: %s", ErrBadRequest, jsonError(err))
	}
	if dec.More() {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: one JSON object per request", ErrBadRequest)
	}
	if err := h.validate(&req); err != nil {
		return nil, http.StatusBadRequest, err
	}
	return &req, 0, nil
}

func (h *Handler) validate(q *Request) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, a...))
	}
	if _, err := event.ParseParty(q.Party); err != nil {
		return bad("party %s: want customer or agent", clip.Quote(q.Party))
	}
	if q.Start == nil || q.End == nil {
		return bad("start and end (media seconds since the call started) are required")
	}
	s, e := *q.Start, *q.End
	if math.IsNaN(s) || math.IsNaN(e) || s < 0 || e < s {
		return bad("start %v, end %v: want 0 ≤ start ≤ end", s, e)
	}
	if e-s > h.p.MaxSpan.Seconds() {
		return bad("segment %v s long: at most %v", e-s, h.p.MaxSpan)
	}
	if strings.TrimSpace(q.Text) == "" {
		return bad("text is empty")
	}
	if len(q.Text) > h.p.MaxText {
		return bad("text is %d bytes: at most %d", len(q.Text), h.p.MaxText)
	}
	if !utf8.ValidString(q.Text) {
		return bad("text is not UTF-8")
	}
	if q.Final != nil && q.Partial != nil && *q.Final == *q.Partial {
		return bad("final and partial contradict each other")
	}
	if q.Lang != "" {
		l, err := normLang(q.Lang)
		if err != nil {
			return bad("%v", err)
		}
		q.Lang = l
	}
	if q.Confidence != nil && (math.IsNaN(*q.Confidence) || *q.Confidence < 0 || *q.Confidence > 1) {
		return bad("confidence %v: want 0..1", *q.Confidence)
	}
	if q.Segment != "" && call.ValidID(q.Segment) != nil {
		return bad("segment %s: 1–128 letters, digits, '-', '_', '.', ':'", clip.Quote(q.Segment))
	}
	if len(q.Words) > h.p.MaxWords {
		return bad("%d words: at most %d", len(q.Words), h.p.MaxWords)
	}
	for i, w := range q.Words {
		if w.Word == "" || w.End < w.Start || w.Start < 0 {
			return bad("words[%d]: want a word with 0 ≤ start ≤ end", i)
		}
	}
	return nil
}

// normLang keeps the primary language subtag, lower case: "nl-NL" → "nl".
func normLang(s string) (string, error) {
	p, _, _ := strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
	p = strings.ToLower(p)
	if len(p) < 2 || len(p) > 3 || strings.IndexFunc(p, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return "", fmt.Errorf("lang %s: want a language tag such as nl or en", clip.Quote(s))
	}
	return p, nil
}

// build turns a valid request into the event payload: redacted text, a segment id that
// partials share with their final.
func (h *Handler) build(c *call.Call, q *Request) (event.TranscriptData, event.Party) {
	party := event.Party(q.Party)
	final := true
	if q.Final != nil {
		final = *q.Final
	} else if q.Partial != nil {
		final = !*q.Partial
	}
	d := event.TranscriptData{Start: round3(*q.Start), End: round3(*q.End), Final: final, Lang: q.Lang,
		Source: event.TranscriptSourceIntegrator}
	if q.Confidence != nil {
		d.Confidence = *q.Confidence
	}
	d.Text, d.Redacted = h.p.Redact(strings.TrimSpace(q.Text))
	if d.Redacted == 0 { // word timings would carry the numbers redaction removed
		d.Words = q.Words
	}
	d.Segment = h.segment(c, party, q.Segment, final)
	return d, party
}

// segment returns the id of the segment this result belongs to. An integrator's own id
// wins; otherwise partials share the id of the open segment and a final closes it.
func (h *Handler) segment(c *call.Call, p event.Party, own string, final bool) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := segKey{c.ID(), p}
	st := h.open[k]
	if st == nil {
		st = &segState{}
		h.open[k] = st
		c.OnEnd(func() { h.forget(k) })
	}
	id := own
	if id == "" {
		if st.open == "" {
			st.open = string(p) + "-" + strconv.Itoa(st.n+1)
		}
		id = st.open
	}
	if final {
		st.n++
		st.open = ""
	}
	return id
}

func (h *Handler) forget(k segKey) {
	h.mu.Lock()
	delete(h.open, k)
	h.mu.Unlock()
}

// open reports how many call/party segment states are held (tests check they are freed).
func (h *Handler) openStates() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.open)
}

func jsonError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: want %s, got %s", te.Field, te.Type, te.Value)
	case errors.Is(err, io.EOF):
		return "empty body: want a JSON object"
	}
	return clip.String(err.Error(), clip.Max) // e.g. `json: unknown field "is_final"`: the name is the client's
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func secondsDur(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
