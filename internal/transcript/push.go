package transcript

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/redact"
)

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

// Params configure the transcript intake. Zero fields take the defaults in brackets.
type Params struct {
	Registry *call.Registry
	// Redact replaces identifying numbers in text and says how many spans it replaced
	// [redact.Redact with identifying numbers only, amounts kept].
	Redact   func(text string) (string, int)
	MaxText  int           // text limit in bytes [4 KiB]
	MaxWords int           // word timings per request [400]
	MaxSpan  time.Duration // longest segment end−start [10m]
	Log      *slog.Logger
}

func (p *Params) defaults() {
	if p.Redact == nil {
		p.Redact = func(s string) (string, int) {
			out, spans := redact.Redact(s, redact.Options{})
			return out, len(spans)
		}
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

// Intake takes transcripts from an integrator's own recogniser (POST
// /v1/calls/{id}/transcript; the HTTP side is internal/api's): it checks them, redacts
// identifying numbers, gives partials and their final one segment id, and emits them on
// the call. It knows nothing of HTTP.
type Intake struct {
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

// New returns the intake; Params.Registry is required.
func New(p Params) *Intake {
	p.defaults()
	return &Intake{p: p, open: map[segKey]*segState{}}
}

// Errors of Push.
var (
	ErrBadRequest = errors.New("bad transcript") // the message names the field
	ErrNoCall     = errors.New("no live call")
	ErrCallEnded  = errors.New("call has ended")
)

// Push takes one transcript for callID from p: only the integrator that opened the call
// (or an admin) may push to it (call.ErrNotOwner). It returns the segment id the
// transcript got.
func (h *Intake) Push(callID string, p auth.Principal, req *Request) (Response, error) {
	if err := call.ValidID(callID); err != nil {
		return Response{}, err
	}
	if err := h.validate(req); err != nil {
		return Response{}, err
	}
	c := h.p.Registry.Get(callID)
	if c == nil {
		if _, ended := h.p.Registry.Lookup(callID); ended {
			return Response{}, fmt.Errorf("transcript: call %s: %w", callID, ErrCallEnded)
		}
		return Response{}, fmt.Errorf("transcript: call %s: %w", callID, ErrNoCall)
	}
	if p.Role != auth.Admin && c.Owner() != p.Key() {
		return Response{}, fmt.Errorf("transcript: call %s: %w", callID, call.ErrNotOwner)
	}
	d, party := h.build(c, req)
	c.Emit(party, secondsDur(d.End), &d)
	return Response{Segment: d.Segment, Final: d.Final, Redacted: d.Redacted}, nil
}

func (h *Intake) validate(q *Request) error {
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
func (h *Intake) build(c *call.Call, q *Request) (event.TranscriptData, event.Party) {
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
func (h *Intake) segment(c *call.Call, p event.Party, own string, final bool) string {
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

func (h *Intake) forget(k segKey) {
	h.mu.Lock()
	delete(h.open, k)
	h.mu.Unlock()
}

// OpenSegments reports how many call/party segment states are held (tests check they
// are freed when calls end).
func (h *Intake) OpenSegments() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.open)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func secondsDur(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
