package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/httperr"
	"github.com/undertone/undertone/internal/transcript"
)

// TranscriptIntake takes transcripts pushed by integrators (internal/transcript).
type TranscriptIntake interface {
	Push(callID string, p auth.Principal, req *transcript.Request) (transcript.Response, error)
}

// HintRatings takes agents' ratings of hints (internal/hints).
type HintRatings interface {
	Rate(in call.Info, hint string, p auth.Principal, req *hints.FeedbackRequest) (hints.FeedbackResponse, error)
	MaxBody() int64
}

// Routes of the agent-assist write APIs.
const (
	TranscriptRoute = "POST /v1/calls/{id}/transcript"
	FeedbackRoute   = "POST /v1/calls/{id}/hints/{hint}/feedback"
	transcriptBody  = 16 << 10
)

// assistRoutes mounts the write APIs of agent assist when their components are given.
func (s *Server) assistRoutes() {
	if s.p.Transcripts != nil {
		s.route(TranscriptRoute, s.authed(auth.Ingest, s.pushTranscript))
	}
	if s.p.Ratings != nil {
		s.route(FeedbackRoute, s.authed(auth.Feedback, s.rateHint))
	}
}

// writable answers 503 with Retry-After while the store cannot keep what a write API
// would accept (a 202 for a line that may never be stored is a lie).
func (s *Server) writable(w http.ResponseWriter, what string) bool {
	if s.p.Writable == nil {
		return true
	}
	if err := s.p.Writable(); err != nil {
		w.Header().Set("Retry-After", "5")
		httperr.WriteMsg(w, http.StatusServiceUnavailable, what+": not accepted now: "+err.Error())
		return false
	}
	return true
}

// pushTranscript is POST /v1/calls/{id}/transcript: a transcript from the integrator's
// own recogniser, for a live call that integrator opened.
func (s *Server) pushTranscript(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := r.PathValue("id")
	if err := call.ValidID(id); err != nil {
		httperr.Write(w, err)
		return
	}
	if !s.writable(w, "transcript") {
		return
	}
	var req transcript.Request
	if !decodeJSON(w, r, transcriptBody, &req, "transcript", transcript.ErrBadRequest) {
		return
	}
	res, err := s.p.Transcripts.Push(id, p, &req)
	if err != nil {
		httperr.Write(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, res)
}

// rateHint is POST /v1/calls/{id}/hints/{hint}/feedback: an agent's rating of a hint of
// a call they may see.
func (s *Server) rateHint(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	in, ok := s.lookup(w, r, p)
	if !ok {
		return
	}
	if !s.writable(w, "hint feedback") {
		return
	}
	var req hints.FeedbackRequest
	if !decodeJSON(w, r, s.p.Ratings.MaxBody(), &req, "hint feedback", hints.ErrBadFeedback) {
		return
	}
	res, err := s.p.Ratings.Rate(in, r.PathValue("hint"), p, &req)
	if err != nil {
		httperr.Write(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, res)
}

// decodeJSON reads one JSON object of at most max bytes into v, refusing unknown fields,
// and answers the error itself (415, 413, or 400 wrapping bad, naming the field).
func decodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any, what string, bad error) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		httperr.WriteMsg(w, http.StatusUnsupportedMediaType, fmt.Sprintf("%s: content type %s: want application/json", what, clip.Quote(ct)))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httperr.WriteMsg(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s: body over %d bytes", what, tooBig.Limit))
			return false
		}
		httperr.WriteMsg(w, http.StatusBadRequest, what+": reading the body failed")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		httperr.WriteMsg(w, http.StatusBadRequest, fmt.Sprintf("%v: %s", bad, jsonProblem(err)))
		return false
	}
	if dec.More() {
		httperr.WriteMsg(w, http.StatusBadRequest, fmt.Sprintf("%v: one JSON object per request", bad))
		return false
	}
	return true
}

// jsonProblem says what is wrong with a body in words a client can act on.
func jsonProblem(err error) string {
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
