package hints

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/redact"
)

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

// FeedbackParams configure the ratings. Zero fields take the defaults in brackets.
type FeedbackParams struct {
	Log        *slog.Logger
	MaxComment int // bytes [1000]
	MaxRatings int // ratings accepted per hint, so one token cannot flood a call's stream [20]
}

// Feedback takes agents' ratings of hints (POST /v1/calls/{id}/hints/{hint}/feedback;
// the HTTP side is internal/api's). It accepts ratings only for hints this node's engine
// raised on that call — while the call is live and for the engine's feedback window
// (Config.FeedbackWindow, 10 minutes) after it ends, since agents rate during wrap-up —
// and emits them as hint.feedback events on the call's stream, where the store's
// Recorder keeps them for per-rule usefulness. It knows nothing of HTTP.
type Feedback struct {
	e *Engine
	p FeedbackParams
}

// NewFeedback returns the ratings of e's hints.
func NewFeedback(e *Engine, p FeedbackParams) *Feedback {
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.MaxComment <= 0 {
		p.MaxComment = 1000
	}
	if p.MaxRatings <= 0 {
		p.MaxRatings = 20
	}
	return &Feedback{e: e, p: p}
}

// Errors of Rate.
var (
	ErrBadFeedback    = errors.New("bad hint feedback") // the message names the field
	ErrNoHint         = errors.New("not raised here")   // this call never raised it on this node (or runs on another)
	ErrFeedbackClosed = errors.New("feedback window closed")
	ErrTooManyRatings = errors.New("hint rated too often")
)

// Rate records p's rating of hint on the call in, which the caller has found and checked
// p may see (an agent rates their own calls; supervisors their teams'; admins any).
func (f *Feedback) Rate(in call.Info, hint string, p auth.Principal, req *FeedbackRequest) (FeedbackResponse, error) {
	if err := f.check(req); err != nil {
		return FeedbackResponse{}, err
	}
	if len(hint) > 200 || RuleOf(hint) == "" {
		return FeedbackResponse{}, fmt.Errorf("no hint %s on call %s: %w", clip.Quote(hint), in.ID, ErrNoHint)
	}
	rule, emit, res, full := f.e.led.rate(in.ID, hint, f.p.MaxRatings)
	switch {
	case res == callUnknown && in.EndedAt != nil && f.e.cfg.Now().Sub(*in.EndedAt) > f.e.cfg.FeedbackWindow:
		return FeedbackResponse{}, fmt.Errorf("call %s ended more than %v ago, its hints can no longer be rated: %w",
			in.ID, f.e.cfg.FeedbackWindow, ErrFeedbackClosed)
	case res != hintFound:
		return FeedbackResponse{}, fmt.Errorf("no hint %s on call %s: %w", clip.Quote(hint), in.ID, ErrNoHint)
	case full:
		return FeedbackResponse{}, fmt.Errorf("hint %s has been rated %d times already: %w", clip.Quote(hint), f.p.MaxRatings, ErrTooManyRatings)
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
	emit.Emit("", 0, &d)
	f.p.Log.Debug("hint rated", "call", in.ID, "hint", hint, "rule", rule, "rating", req.Rating, "by", p.Name)
	return FeedbackResponse{Call: in.ID, Hint: hint, Rule: rule, Rating: req.Rating}, nil
}

// MaxBody is how large a rating's JSON body may be.
func (f *Feedback) MaxBody() int64 { return int64(f.p.MaxComment) + 4096 }

func (f *Feedback) check(req *FeedbackRequest) error {
	switch req.Rating {
	case event.RatingUseful, event.RatingNotUseful, event.RatingUsed:
	case "":
		return fmt.Errorf("%w: field \"rating\" is required: useful, not_useful or used", ErrBadFeedback)
	default:
		return fmt.Errorf("%w: field \"rating\": %s: want useful, not_useful or used", ErrBadFeedback, clip.Quote(req.Rating))
	}
	if len(req.Comment) > f.p.MaxComment {
		return fmt.Errorf("%w: field \"comment\": %d bytes, at most %d", ErrBadFeedback, len(req.Comment), f.p.MaxComment)
	}
	if !utf8.ValidString(req.Comment) {
		return fmt.Errorf("%w: field \"comment\" is not UTF-8", ErrBadFeedback)
	}
	return nil
}

// CallsHeld returns how many calls the engine still holds hints of (for ratings during
// wrap-up); a call is forgotten when its feedback window has passed.
func (e *Engine) CallsHeld() int { return e.led.size() }
