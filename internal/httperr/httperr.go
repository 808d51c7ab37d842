// Package httperr is the one place an error becomes an HTTP answer: the status table for
// the sentinel errors of the packages below the HTTP layer, and the JSON error body
// every route writes ({"error": "…"}), bounded so an answer never echoes a large input.
//
// A package that owns HTTP-facing errors of its own gives them a status with New; the
// errors of packages that know nothing of HTTP (call, auth, store, event, ingest) are
// mapped in Status's table, with the domain errors of the write APIs (transcripts, hint
// ratings).
package httperr

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/transcript"
)

// MaxMessage bounds the message of an error answer, in bytes.
const MaxMessage = 300

// coded is an error that knows its HTTP status.
type coded struct {
	status int
	msg    string
}

func (e *coded) Error() string   { return e.msg }
func (e *coded) HTTPStatus() int { return e.status }

// New returns a sentinel error answered with status.
func New(status int, msg string) error { return &coded{status: status, msg: msg} }

// table maps the sentinels of packages that know nothing of HTTP, first match wins.
var table = []struct {
	err    error
	status int
}{
	{call.ErrBadID, http.StatusBadRequest},
	{transcript.ErrBadRequest, http.StatusBadRequest},
	{hints.ErrBadFeedback, http.StatusBadRequest},
	{transcript.ErrNoCall, http.StatusNotFound},
	{hints.ErrNoHint, http.StatusNotFound},
	{transcript.ErrCallEnded, http.StatusConflict},
	{hints.ErrFeedbackClosed, http.StatusGone},
	{hints.ErrTooManyRatings, http.StatusTooManyRequests},
	{event.ErrParty, http.StatusBadRequest},
	{ingest.ErrMeta, http.StatusBadRequest},
	{store.ErrInvalid, http.StatusBadRequest},
	{ingest.ErrUnattributed, http.StatusForbidden},
	{call.ErrNotOwner, http.StatusForbidden},
	{store.ErrNotFound, http.StatusNotFound},
	{call.ErrIDTaken, http.StatusConflict},
	{call.ErrPartyTaken, http.StatusConflict},
	{call.ErrEnded, http.StatusConflict},
	{store.ErrExists, http.StatusConflict},
	{auth.ErrTooManyCalls, http.StatusTooManyRequests},
	{call.ErrTooManyCalls, http.StatusServiceUnavailable},
	{auth.ErrUnavailable, http.StatusServiceUnavailable},
	{auth.ErrNoToken, http.StatusUnauthorized},
	{auth.ErrToken, http.StatusUnauthorized},
}

// Status is the HTTP status for err: its own (New), else the table's, else 500.
func Status(err error) int {
	var c interface{ HTTPStatus() int }
	if errors.As(err, &c) {
		return c.HTTPStatus()
	}
	for _, t := range table {
		if errors.Is(err, t.err) {
			return t.status
		}
	}
	return http.StatusInternalServerError
}

// Write answers err with its status and message. A 500 does not carry the message (it
// may name internal addresses or files); the caller logs it. 429 and 503 carry
// Retry-After.
func Write(w http.ResponseWriter, err error) {
	code := Status(err)
	msg := err.Error()
	if code == http.StatusInternalServerError {
		msg = "internal error"
	}
	WriteMsg(w, code, msg)
}

// WriteMsg answers with code and {"error": msg}, msg cut to MaxMessage bytes.
func WriteMsg(w http.ResponseWriter, code int, msg string) {
	if (code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(5))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": Truncate(msg, MaxMessage)})
}

// Truncate cuts s to at most n bytes on a rune boundary, marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
