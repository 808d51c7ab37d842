package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/wallboard"
)

// Params wire the API to its components.
type Params struct {
	Log      *slog.Logger
	Metrics  *metrics.Metrics
	Auth     auth.Authenticator
	Registry *call.Registry
	Hub      *hub.Hub
	DB       History       // the store behind search, timelines, trends, exports; optional
	Tokens   TokenAdmin    // token administration (/v1/tokens); optional
	Limiter  *auth.Limiter // per-token request rate and open websockets; nil = unlimited
	Web      fs.FS         // static pages; optional
	MaxBody  int64
}

// Server routes HTTP requests.
type Server struct {
	p        Params
	mux      *http.ServeMux
	sessions *auth.Sessions // wraps Params.Auth: tokens, and session ids from POST /v1/session
	patterns []string       // every mounted route, for the authorisation matrix test
	draining atomic.Bool
}

// New builds the routes.
func New(p Params) *Server {
	if p.MaxBody <= 0 {
		p.MaxBody = 1 << 20
	}
	s := &Server{p: p, mux: http.NewServeMux(), sessions: auth.NewSessions(p.Auth, nil)}
	s.route("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, 200, "ok") })
	s.route("GET /readyz", s.ready)
	prom := promhttp.HandlerFor(p.Metrics.Registry, promhttp.HandlerOpts{})
	s.route("GET /metrics", s.authed(auth.Metrics, func(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
		prom.ServeHTTP(w, r)
	}))

	s.route("GET /v1/calls", s.authed(auth.ListCalls, s.listCalls))
	s.route("GET /v1/calls/{id}", s.authed(auth.ViewCall, s.getCall))
	s.route("GET /v1/ws/calls/{id}", s.authedStream(auth.ViewCall, s.wsCall))
	s.route("GET /v1/ws/calls", s.authedStream(auth.ViewAll, s.wsAll))
	s.restRoutes()

	if p.Web != nil {
		s.route("GET /", http.FileServerFS(p.Web).ServeHTTP)
	}
	return s
}

// Registry returns the call registry the API serves.
func (s *Server) Registry() *call.Registry { return s.p.Registry }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// Handle mounts a route that lives in another package (WHIP, the websocket media
// ingests, transcripts, hint feedback) on the API's mux. Routes that authenticate wrap
// their handler with Authed; the media websockets authenticate in their own protocol's way.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// route mounts one of the API's own routes.
func (s *Server) route(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// Routes lists every mounted pattern, the API's and those added with Handle, so the
// authorisation matrix tests can require an entry for each: a new route without one
// fails them.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// Authed wraps h with the bearer-token and role check used by the API's own routes.
func (s *Server) Authed(a auth.Action, h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return s.authed(a, h)
}

// SetDraining makes /readyz fail so load balancers stop sending new calls.
func (s *Server) SetDraining() { s.draining.Store(true) }

func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		writeText(w, http.StatusServiceUnavailable, "draining")
		return
	}
	writeText(w, 200, "ready")
}

// authed checks the credentials (see credential) and the role, and applies the per-token
// rate limit. Call-scoped checks (an agent's own calls, a supervisor's teams) happen in
// the handlers.
func (s *Server) authed(a auth.Action, h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _, ok := s.authorize(w, r, a)
		if !ok {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.p.MaxBody)
		h(w, r, p)
	}
}

// authedStream is authed for websockets, which also count against the token's bound on
// open streams (429 beyond it).
func (s *Server) authedStream(a auth.Action, h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, tok, ok := s.authorize(w, r, a)
		if !ok {
			return
		}
		release, ok := s.p.Limiter.Acquire(auth.Hash(tok))
		if !ok {
			writeError(w, http.StatusTooManyRequests, fmt.Sprintf("this token has %d streams open already", s.p.Limiter.Limits().Concurrent))
			return
		}
		defer release()
		h(w, r, p)
	}
}

// authorize answers 401 (no or bad credentials), 503 (token store unavailable), 429 (rate)
// or 403 (role) itself and reports ok=false; else it returns the principal and the
// credential presented.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, a auth.Action) (auth.Principal, string, bool) {
	// A refusal is answered before the body is read: closing the connection after it lets
	// the answer go out at once, where the server would otherwise first drain the body —
	// forever, if an unauthenticated client trickles it.
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	tok := credential(r)
	p, err := s.sessions.Authenticate(tok)
	switch {
	case errors.Is(err, auth.ErrUnavailable):
		s.p.Log.Error("authenticating", "err", err)
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, "token store unavailable")
		return p, "", false
	case err != nil:
		w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
		writeError(w, http.StatusUnauthorized, err.Error())
		return p, "", false
	}
	if ok, wait := s.p.Limiter.Allow(auth.Hash(tok)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "request rate limit of this token reached")
		return p, "", false
	}
	// ViewCall and Feedback are call-scoped: an agent token passes here and the handler
	// checks the call's agent.
	if !p.Can(a, "") && !((a == auth.ViewCall || a == auth.Feedback) && p.Role == auth.AgentRole) {
		writeError(w, http.StatusForbidden, "role "+string(p.Role)+" may not do this")
		return p, "", false
	}
	w.Header().Del("Connection")
	return p, tok, true
}

// credential is the bearer token of the Authorization header, else ?token= (websockets
// from scripts, links), else the browser session cookie from POST /v1/session.
func credential(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		t, _ := cutBearer(h)
		return t
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	return sessionCookie(r)
}

// lookup finds a call live, recent or stored and checks p may see it.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, p auth.Principal) (call.Info, bool) {
	id := r.PathValue("id")
	if err := call.ValidID(id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return call.Info{}, false
	}
	in, ok := s.p.Registry.Lookup(id)
	if !ok && s.p.DB != nil {
		c, err := s.p.DB.GetCall(r.Context(), id)
		switch {
		case err == nil:
			in, ok = StoredInfo(c), true
		case !errors.Is(err, store.ErrNotFound):
			s.storeError(w, "looking up a call", err)
			return call.Info{}, false
		}
	}
	if !ok {
		in, ok = s.remoteCall(id)
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no call "+id)
		return call.Info{}, false
	}
	if !p.Can(auth.ViewCall, in.Agent) {
		writeError(w, http.StatusForbidden, "call "+id+" is not assigned to this agent")
		return call.Info{}, false
	}
	if !p.SeesCall(in.Agent, in.Team) {
		writeError(w, http.StatusForbidden, "call "+id+" is outside this token's teams")
		return call.Info{}, false
	}
	return in, true
}

// CallFor finds the call named by the request's {id} path value (live, recently ended or
// stored) and checks that p may see it — the agent binding and a supervisor's teams —
// answering 400, 403, 404 or 503 itself when not. Call-scoped routes mounted from other
// packages (hint feedback) use it.
func (s *Server) CallFor(w http.ResponseWriter, r *http.Request, p auth.Principal) (call.Info, bool) {
	return s.lookup(w, r, p)
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if in, ok := s.lookup(w, r, p); ok {
		writeJSON(w, 200, in)
	}
}

func (s *Server) wsCall(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	in, ok := s.lookup(w, r, p)
	if !ok {
		return
	}
	var since uint64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since must be a sequence number")
			return
		}
		since = n
	}
	err := s.p.Hub.Serve(w, r, hub.Subscription{Call: in.ID, Since: since})
	if errors.Is(err, hub.ErrNoCall) {
		// Ended long enough ago that the hub forgot it: send its stored end and say so.
		err = s.p.Hub.ServeEnded(w, r, endedEvents(in), "call "+in.ID+" has ended; its record is at /v1/calls/"+in.ID+"/timeline")
	}
	if err != nil && !errors.Is(err, hub.ErrClosed) {
		s.p.Log.Debug("websocket ended", "call", in.ID, "err", err)
	}
}

// endedEvents is a stored call's end as the call.ended event its viewers would have had.
func endedEvents(in call.Info) []event.Raw {
	ci := event.CallInfo{Source: in.Source, Parties: in.Parties, StartedAt: in.StartedAt.UnixMilli(),
		Reason: in.Reason, Agent: in.Agent, Summary: in.Summary}
	if in.Team != "" || in.Queue != "" {
		ci.Meta = map[string]string{"team": in.Team, "queue": in.Queue}
	}
	ts := in.StartedAt
	if in.EndedAt != nil {
		ci.EndedAt, ts = in.EndedAt.UnixMilli(), *in.EndedAt
	}
	raw, err := event.Marshal(&event.Event{V: event.Version, Type: event.CallEnded, Call: in.ID, TS: ts.UnixMilli(), Data: ci})
	if err != nil {
		return nil
	}
	return []event.Raw{raw}
}

// wsAll is the supervisor's all-calls stream: lifecycle, call.status (≤ 1/s per call),
// alerts and hints at once; never the high-rate cues. A supervisor bound to teams gets
// only their teams' calls: the hub knows each call's team from its call.started, once.
func (s *Server) wsAll(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	scoped := len(p.Teams) > 0 && p.Role != auth.Admin
	_ = s.p.Hub.Serve(w, r, hub.Subscription{Filter: func(raw event.Raw, meta hub.CallMeta) bool {
		return wallboard.SupervisorEvent(raw.Type) && (!scoped || p.InTeams(meta.Team))
	}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg + "\n"))
}
