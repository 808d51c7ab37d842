package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// History is the part of store.Store the history API reads.
type History interface {
	GetCall(ctx context.Context, id string) (store.CallRecord, error)
	ListCalls(ctx context.Context, q store.CallQuery) ([]store.CallRecord, error)
	Timeline(ctx context.Context, callID string) (store.Timeline, error)
	Trends(ctx context.Context, q store.TrendQuery) ([]store.TrendPoint, error)
	RuleUsefulness(ctx context.Context, since, until time.Time) ([]store.RuleStats, error)
}

var _ History = store.Store(nil)

// restRoutes mounts the history API served from the store: one call's timeline, trends,
// hint usefulness, exports, token administration and the browser session exchange.
// (GET /v1/calls, the search, is in New.)
func (s *Server) restRoutes() {
	s.route("GET /v1/calls/{id}/timeline", s.authed(auth.ViewCall, s.timeline))
	s.route("GET /v1/calls/{id}/export", s.authed(auth.ViewCall, s.exportCall))
	s.route("GET /v1/calls/export", s.authed(auth.ListCalls, s.exportCalls))
	s.route("GET /v1/trends", s.authed(auth.ViewAll, s.trends))
	s.route("GET /v1/hints/usefulness", s.authed(auth.ViewAll, s.usefulness))
	s.route("GET /v1/tokens", s.authed(auth.Administer, s.listTokens))
	s.route("POST /v1/tokens", s.authed(auth.Administer, s.createToken))
	s.route("DELETE /v1/tokens/{id}", s.authed(auth.Administer, s.revokeToken))
	s.route("POST /v1/session", s.newSession)
	s.route("DELETE /v1/session", s.endSession)
}

// errBadParam is wrapped by every query parameter error; the message names the parameter
// (cut to clip.Max bytes: an unknown parameter's name is the client's).
var errBadParam = errors.New("bad parameter")

func badParam(name, why string) error {
	return fmt.Errorf("%w %s: %s", errBadParam, clip.String(name, clip.Max), why)
}

// parseTime accepts RFC 3339 ("2026-11-22T10:00:00Z") or a UTC date ("2026-11-22").
// Times outside years 2000..2999 are refused: they are typos, and the databases differ
// on what they do with them.
func parseTime(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t, err = time.Parse(time.DateOnly, v)
	}
	if err == nil {
		if t.Year() < 2000 || t.Year() > 2999 {
			return time.Time{}, badParam(name, "year outside 2000..2999")
		}
		return t.UTC(), nil
	}
	return time.Time{}, badParam(name, "want RFC 3339 (2026-11-22T10:00:00Z) or a date (2026-11-22)")
}

func parseInt(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badParam(name, fmt.Sprintf("want an integer in %d..%d", lo, hi))
	}
	return n, nil
}

// knownParams refuses parameters a route does not know, so a typo is not silently ignored.
func knownParams(q url.Values, names ...string) error {
	for k := range q {
		if k != "token" && !slices.Contains(names, k) {
			return badParam(k, "unknown (known: "+strings.Join(names, ", ")+")")
		}
	}
	return nil
}

// callQuery reads the call search filters — state, agent, team, queue, from/to (start
// time), q (text in the id or metadata), limit and cursor — and narrows them to what p
// may see: agent tokens bound to an agent see that agent's calls; supervisors with teams
// see those teams. Asking for more than that is a 403, not a silently empty list.
func callQuery(q url.Values, p auth.Principal, extra ...string) (store.CallQuery, int, error) {
	names := append([]string{"state", "agent", "team", "queue", "from", "to", "q", "limit", "cursor"}, extra...)
	if err := knownParams(q, names...); err != nil {
		return store.CallQuery{}, 400, err
	}
	cq := store.CallQuery{State: q.Get("state"), Agent: q.Get("agent"), Team: q.Get("team"),
		Queue: q.Get("queue"), Text: q.Get("q")}
	switch cq.State {
	case "", store.StateLive, store.StateEnded, store.StateInterrupted:
	default:
		return cq, 400, badParam("state", "want live, ended or interrupted")
	}
	if len(cq.Text) > 200 {
		return cq, 400, badParam("q", "longer than 200 characters")
	}
	var err error
	for _, k := range []string{"agent", "team", "queue"} {
		if len(q.Get(k)) > 64 {
			return cq, 400, badParam(k, "longer than 64 characters")
		}
	}
	if cq.Since, err = parseTime(q, "from"); err != nil {
		return cq, 400, err
	}
	if cq.Until, err = parseTime(q, "to"); err != nil {
		return cq, 400, err
	}
	if !cq.Since.IsZero() && !cq.Until.IsZero() && !cq.Since.Before(cq.Until) {
		return cq, 400, badParam("to", "must be after from")
	}
	if cq.Limit, err = parseInt(q, "limit", store.DefaultLimit, 1, store.MaxLimit); err != nil {
		return cq, 400, err
	}
	if cq.Offset, err = parseInt(q, "cursor", 0, 0, 1_000_000); err != nil {
		return cq, 400, badParam("cursor", "want the next_cursor of a previous page")
	}
	switch {
	case p.Role == auth.AgentRole && p.Agent != "":
		if cq.Agent != "" && cq.Agent != p.Agent {
			return cq, 403, errors.New("agent tokens see only their own calls")
		}
		cq.Agent = p.Agent
	case p.Role == auth.Supervisor && len(p.Teams) > 0:
		if cq.Team != "" && !slices.Contains(p.Teams, cq.Team) {
			return cq, 403, errors.New("team " + cq.Team + " is outside this token's teams")
		}
		cq.Teams = p.Teams
	}
	return cq, 0, nil
}

// callJSON is a stored call as the API shows it; the field names match call.Info.
type callJSON struct {
	ID        string            `json:"id"`
	State     string            `json:"state"`
	Source    string            `json:"source,omitempty"`
	Agent     string            `json:"agent,omitempty"`
	Team      string            `json:"team,omitempty"`
	Queue     string            `json:"queue,omitempty"`
	Parties   []string          `json:"parties"`
	StartedAt time.Time         `json:"started_at"`
	EndedAt   *time.Time        `json:"ended_at,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Summary   *event.Summary    `json:"summary,omitempty"`
	Meta      map[string]string `json:"meta,omitempty"`
}

// overlay takes what memory knows better than the store: the state and parties of a
// call in progress.
func (c *callJSON) overlay(in call.Info) {
	c.ID, c.State, c.Source, c.StartedAt, c.Reason = in.ID, string(in.State), in.Source, in.StartedAt, in.Reason
	if in.Agent != "" {
		c.Agent = in.Agent
	}
	if in.Team != "" {
		c.Team = in.Team
	}
	if in.Queue != "" {
		c.Queue = in.Queue
	}
	c.Parties = make([]string, len(in.Parties))
	for i, p := range in.Parties {
		c.Parties[i] = string(p)
	}
	c.EndedAt = in.EndedAt
}

func toCallJSON(c store.CallRecord) callJSON {
	out := callJSON{ID: c.ID, State: c.State, Source: c.Source, Agent: c.Agent, Team: c.Team, Queue: c.Queue,
		Parties: c.Parties, StartedAt: c.StartedAt, Reason: c.Reason, Summary: c.Summary, Meta: c.Meta}
	if out.Parties == nil {
		out.Parties = []string{}
	}
	if !c.EndedAt.IsZero() {
		e := c.EndedAt
		out.EndedAt = &e
	}
	return out
}

// listCalls is GET /v1/calls: the calls matching the search, newest first, as p may see
// them. With a store the store pages the results and calls still live are shown with
// their in-memory state (parties join during a call); without one the calls in memory
// are searched. A full page carries next_cursor.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cq, code, err := callQuery(r.URL.Query(), p)
	if err != nil {
		writeError(w, code, err.Error())
		return
	}
	var out []callJSON
	if s.p.DB != nil {
		recs, err := s.p.DB.ListCalls(r.Context(), cq)
		if err != nil {
			s.storeError(w, "searching calls", err)
			return
		}
		out = make([]callJSON, len(recs))
		for i, c := range recs {
			out[i] = toCallJSON(c)
			if c.State == store.StateLive {
				if in, ok := s.p.Registry.Lookup(c.ID); ok {
					out[i].overlay(in)
				}
			}
		}
	} else {
		out = s.memoryCalls(cq, p)
	}
	resp := map[string]any{"calls": out}
	if len(out) == cq.Limit {
		resp["next_cursor"] = strconv.Itoa(cq.Offset + cq.Limit)
	}
	writeJSON(w, 200, resp)
}

// memoryCalls searches the calls held in memory (live and recently ended), with the same
// filters the store applies: a node without a store.
func (s *Server) memoryCalls(cq store.CallQuery, p auth.Principal) []callJSON {
	calls := s.p.Registry.List()
	out := []callJSON{}
	skip := cq.Offset
	for _, in := range calls {
		if !p.SeesCall(in.Agent, in.Team) || !matches(in, cq) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == cq.Limit {
			break
		}
		var c callJSON
		c.overlay(in)
		out = append(out, c)
	}
	return out
}

// matches applies a CallQuery to a call in memory the way the store does.
func matches(in call.Info, q store.CallQuery) bool {
	switch {
	case q.State != "" && string(in.State) != q.State,
		q.Agent != "" && in.Agent != q.Agent,
		q.Team != "" && in.Team != q.Team,
		q.Queue != "" && in.Queue != q.Queue,
		len(q.Teams) > 0 && !slices.Contains(q.Teams, in.Team),
		!q.Since.IsZero() && in.StartedAt.Before(q.Since),
		!q.Until.IsZero() && !in.StartedAt.Before(q.Until):
		return false
	}
	if q.Text == "" {
		return true
	}
	t := strings.ToLower(q.Text)
	for _, f := range []string{in.ID, in.Agent, in.Team, in.Queue} {
		if strings.Contains(strings.ToLower(f), t) {
			return true
		}
	}
	return false
}

// StoredInfo is a stored call as the in-memory listing type (team and queue included:
// they decide which supervisors may see it).
func StoredInfo(c store.CallRecord) call.Info {
	in := call.Info{ID: c.ID, State: call.State(c.State), Source: c.Source, Agent: c.Agent, Team: c.Team,
		Queue: c.Queue, StartedAt: c.StartedAt, Reason: c.Reason, Parties: make([]event.Party, 0, len(c.Parties)),
		Summary: c.Summary}
	for _, p := range c.Parties {
		in.Parties = append(in.Parties, event.Party(p))
	}
	if !c.EndedAt.IsZero() {
		e := c.EndedAt
		in.EndedAt = &e
	}
	return in
}

// storeError answers a store failure with 503 and Retry-After (clients retry; the
// details, which name files and addresses, go to the log only).
func (s *Server) storeError(w http.ResponseWriter, what string, err error) {
	s.p.Log.Error("store: "+what, "err", err)
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "store unavailable")
}

// record finds a stored call and checks p may see it (agent binding and team scope),
// writing the error answer when not.
func (s *Server) record(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.CallRecord, bool) {
	id := r.PathValue("id")
	if err := call.ValidID(id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return store.CallRecord{}, false
	}
	if s.p.DB == nil {
		writeError(w, http.StatusServiceUnavailable, "no store configured")
		return store.CallRecord{}, false
	}
	c, err := s.p.DB.GetCall(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no call "+id)
		return c, false
	}
	if err != nil {
		s.storeError(w, "get call", err)
		return c, false
	}
	if !p.Can(auth.ViewCall, c.Agent) {
		writeError(w, http.StatusForbidden, "call "+id+" is not assigned to this agent")
		return c, false
	}
	if !p.SeesCall(c.Agent, c.Team) {
		writeError(w, http.StatusForbidden, "call "+id+" is outside this token's teams")
		return c, false
	}
	return c, true
}

// Timeline JSON: every list in time order, times of the call in media seconds.
type (
	timelineJSON struct {
		Call        callJSON         `json:"call"`
		Emotions    []emotionJSON    `json:"emotions"`
		Transcripts []transcriptJSON `json:"transcripts"`
		Intents     []intentJSON     `json:"intents"`
		Hints       []hintJSON       `json:"hints"`
	}
	emotionJSON struct {
		Party      string             `json:"party"`
		TStart     float64            `json:"t_start"`
		TEnd       float64            `json:"t_end"`
		Top        string             `json:"top"`
		Probs      map[string]float64 `json:"probs,omitempty"`
		Arousal    float64            `json:"arousal"`
		Valence    float64            `json:"valence"`
		Confidence float64            `json:"confidence"`
		At         time.Time          `json:"at"`
	}
	transcriptJSON struct {
		Party      string    `json:"party"`
		Segment    string    `json:"segment,omitempty"`
		Start      float64   `json:"start"`
		End        float64   `json:"end"`
		Text       string    `json:"text"` // redacted as stored
		Final      bool      `json:"final"`
		Lang       string    `json:"lang,omitempty"`
		Confidence float64   `json:"confidence,omitempty"`
		Source     string    `json:"source,omitempty"`
		At         time.Time `json:"at"`
	}
	intentJSON struct {
		Party      string          `json:"party"`
		T          float64         `json:"t"`
		Intent     string          `json:"intent"`
		Confidence float64         `json:"confidence"`
		Payload    json.RawMessage `json:"payload,omitempty"`
		At         time.Time       `json:"at"`
	}
	hintJSON struct {
		ID       string          `json:"id"`
		RuleID   string          `json:"rule_id"`
		Title    string          `json:"title"`
		Payload  json.RawMessage `json:"payload,omitempty"`
		At       time.Time       `json:"at"`
		Feedback []feedbackJSON  `json:"feedback"`
	}
	feedbackJSON struct {
		Rating string    `json:"rating"`
		Agent  string    `json:"agent,omitempty"`
		At     time.Time `json:"at"`
	}
)

func rawOrNil(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}

func toTimelineJSON(c store.CallRecord, tl store.Timeline) timelineJSON {
	out := timelineJSON{Call: toCallJSON(c), Emotions: make([]emotionJSON, len(tl.Emotions)),
		Transcripts: make([]transcriptJSON, len(tl.Transcripts)), Intents: make([]intentJSON, len(tl.Intents)),
		Hints: make([]hintJSON, len(tl.Hints))}
	for i, e := range tl.Emotions {
		out.Emotions[i] = emotionJSON{Party: e.Party, TStart: e.TStart, TEnd: e.TEnd, Top: e.Top, Probs: e.Probs,
			Arousal: e.Arousal, Valence: e.Valence, Confidence: e.Confidence, At: e.At}
	}
	for i, t := range tl.Transcripts {
		out.Transcripts[i] = transcriptJSON{Party: t.Party, Segment: t.Segment, Start: t.Start, End: t.End, Text: t.Text,
			Final: t.Final, Lang: t.Lang, Confidence: t.Confidence, Source: t.Source, At: t.At}
	}
	for i, in := range tl.Intents {
		out.Intents[i] = intentJSON{Party: in.Party, T: in.T, Intent: in.Intent, Confidence: in.Confidence,
			Payload: rawOrNil(in.Payload), At: in.At}
	}
	idx := make(map[string]int, len(tl.Hints))
	for i, h := range tl.Hints {
		out.Hints[i] = hintJSON{ID: h.ID, RuleID: h.RuleID, Title: h.Title, Payload: rawOrNil(h.Payload), At: h.At,
			Feedback: []feedbackJSON{}}
		idx[h.ID] = i
	}
	for _, f := range tl.Feedback {
		if i, ok := idx[f.HintID]; ok {
			out.Hints[i].Feedback = append(out.Hints[i].Feedback, feedbackJSON{Rating: f.Rating, Agent: f.Agent, At: f.At})
		}
	}
	return out
}

func (s *Server) loadTimeline(w http.ResponseWriter, r *http.Request, p auth.Principal) (timelineJSON, bool) {
	c, ok := s.record(w, r, p)
	if !ok {
		return timelineJSON{}, false
	}
	tl, err := s.p.DB.Timeline(r.Context(), c.ID)
	if err != nil {
		s.storeError(w, "timeline", err)
		return timelineJSON{}, false
	}
	return toTimelineJSON(c, tl), true
}

// timeline is GET /v1/calls/{id}/timeline.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := knownParams(r.URL.Query()); err != nil {
		writeError(w, 400, err.Error())
		return
	}
	if tl, ok := s.loadTimeline(w, r, p); ok {
		writeJSON(w, 200, tl)
	}
}
