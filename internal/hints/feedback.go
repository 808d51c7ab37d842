package hints

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/redact"
)

// FeedbackRoute is where an agent rates a hint: useful, not useful, or used.
const FeedbackRoute = "POST /v1/calls/{id}/hints/{hint}/feedback"

// FeedbackRequest is the body of a rating. Unknown fields are refused.
type FeedbackRequest struct {
	Rating  string `json:"rating"`            // useful, not_useful or used
	Comment string `json:"comment,omitempty"` // optional free text, redacted
}

// FeedbackResponse is the body of a 202 answer.
type FeedbackResponse struct {
	Call   string `json:"call"`
	Hint   string `json:"hint"`
	Rule   string `json:"rule"`
	Rating string `json:"rating"`
}

// FeedbackParams configure the handler. Zero fields take the defaults in brackets.
type FeedbackParams struct {
	Log        *slog.Logger
	MaxComment int // bytes [1000]
	MaxRatings int // ratings accepted per hint, so one token cannot flood a call's stream [20]
	// Writable reports whether the store keeps what is accepted now (store.Recorder's
	// Writable); while it returns an error, ratings get 503 with Retry-After instead of a
	// 202 for a rating that may never be stored. Nil: always.
	Writable func() error
}

// FeedbackHandler serves FeedbackRoute. It accepts ratings only for hints this node's
// engine raised on that call — while the call is live and for the engine's feedback
// window (Config.FeedbackWindow, 10 minutes) after it ends, since agents rate during
// wrap-up — and emits them as hint.feedback events on the call's stream, where the
// store's Recorder keeps them for per-rule usefulness.
//
// Answers: 202 accepted; 503 the store cannot keep it now (Retry-After); 400 bad body (names the field); 401/403 as for viewing the call
// (an agent only rates their own calls; supervisors their teams'; admins any); 404 unknown
// call, or a hint id this call never raised here (also the answer for a call running on
// another node, whose engine holds its hints); 410 the feedback window has closed;
// 429 the hint has been rated MaxRatings times.
type FeedbackHandler struct {
	e    *Engine
	find func(http.ResponseWriter, *http.Request, auth.Principal) (call.Info, bool)
	p    FeedbackParams
}

// Mount mounts the feedback route on the API (role check auth.Feedback, then the call's
// own scope via api.Server.CallFor) and returns the handler.
func Mount(s *api.Server, e *Engine, p FeedbackParams) *FeedbackHandler {
	h := NewFeedbackHandler(e, s.CallFor, p)
	s.Handle(FeedbackRoute, s.Authed(auth.Feedback, h.Serve))
	return h
}

// NewFeedbackHandler returns a handler; find looks up the call of the request's {id} and
// checks the principal may see it, answering the error itself (api.Server.CallFor).
func NewFeedbackHandler(e *Engine, find func(http.ResponseWriter, *http.Request, auth.Principal) (call.Info, bool), p FeedbackParams) *FeedbackHandler {
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.MaxComment <= 0 {
		p.MaxComment = 1000
	}
	if p.MaxRatings <= 0 {
		p.MaxRatings = 20
	}
	return &FeedbackHandler{e: e, find: find, p: p}
}

// ErrBadFeedback marks a 400 answer.
var ErrBadFeedback = errors.New("bad hint feedback")

// Serve handles one rating. Called after authentication.
func (h *FeedbackHandler) Serve(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	in, ok := h.find(w, r, p)
	if !ok {
		return
	}
	if h.p.Writable != nil {
		if err := h.p.Writable(); err != nil {
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "hint feedback: not accepted now: "+err.Error())
			return
		}
	}
	req, code, err := h.decode(r)
	if err != nil {
		writeError(w, code, err.Error())
		return
	}
	hint := r.PathValue("hint")
	notFound := fmt.Sprintf("no hint %s on call %s", clip.Quote(hint), in.ID)
	if len(hint) > 200 || RuleOf(hint) == "" {
		writeError(w, http.StatusNotFound, notFound)
		return
	}
	rule, emit, res, full := h.e.led.rate(in.ID, hint, h.p.MaxRatings)
	switch {
	case res == callUnknown && in.EndedAt != nil && h.e.cfg.Now().Sub(*in.EndedAt) > h.e.cfg.FeedbackWindow:
		writeError(w, http.StatusGone, fmt.Sprintf("call %s ended more than %v ago: its hints can no longer be rated", in.ID, h.e.cfg.FeedbackWindow))
		return
	case res != hintFound:
		writeError(w, http.StatusNotFound, notFound)
		return
	case full:
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("hint %s has been rated %d times already", clip.Quote(hint), h.p.MaxRatings))
		return
	}
	d := event.HintFeedbackData{Hint: hint, Rule: rule, Rating: req.Rating, By: p.Name}
	if p.Role == auth.AgentRole {
		d.Agent = p.Agent
		if d.Agent == "" { // an unbound (development) agent token rates for the call's agent
			d.Agent = in.Agent
		}
	}
	if req.Comment != "" {
		d.Comment, _ = redact.Redact(strings.TrimSpace(req.Comment), redact.Options{})
	}
	emit.Emit(event.HintFeedback, "", 0, d)
	h.p.Log.Debug("hint rated", "call", in.ID, "hint", hint, "rule", rule, "rating", req.Rating, "by", p.Name)
	writeJSON(w, http.StatusAccepted, FeedbackResponse{Call: in.ID, Hint: hint, Rule: rule, Rating: req.Rating})
}

func (h *FeedbackHandler) decode(r *http.Request) (*FeedbackRequest, int, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("hint feedback: content type %s: want application/json", clip.Quote(ct))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(h.p.MaxComment)+4096))
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: reading body: %v", ErrBadFeedback, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req FeedbackRequest
	if err := dec.Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, http.StatusBadRequest, fmt.Errorf(`%w: empty body: want {"rating": "useful"|"not_useful"|"used"}`, ErrBadFeedback)
		case errors.As(err, &te):
			return nil, http.StatusBadRequest, fmt.Errorf("%w: field %q: want a %s", ErrBadFeedback, te.Field, te.Type)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("%w: %s", ErrBadFeedback, clip.String(err.Error(), clip.Max)) // json: unknown field "…"
	}
	if dec.More() {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: one JSON object per request", ErrBadFeedback)
	}
	switch req.Rating {
	case event.RatingUseful, event.RatingNotUseful, event.RatingUsed:
	case "":
		return nil, http.StatusBadRequest, fmt.Errorf("%w: field \"rating\" is required: useful, not_useful or used", ErrBadFeedback)
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("%w: field \"rating\": %s: want useful, not_useful or used", ErrBadFeedback, clip.Quote(req.Rating))
	}
	if len(req.Comment) > h.p.MaxComment {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: field \"comment\": %d bytes, at most %d", ErrBadFeedback, len(req.Comment), h.p.MaxComment)
	}
	if !utf8.ValidString(req.Comment) {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: field \"comment\" is not UTF-8", ErrBadFeedback)
	}
	return &req, 0, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
