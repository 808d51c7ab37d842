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
	"github.com/undertone/undertone/internal/httperr"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/store"
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
	// CallWait is how long a websocket may wait for a call that has not started yet
	// (the desktop learns the call id at ring time) [60s]; WaitsPerToken bounds how many
	// such waits one token may hold [16].
	CallWait      time.Duration
	WaitsPerToken int
	// AuthFailures bound failed authentication per source address (zero: the defaults
	// of auth.FailureLimits).
	AuthFailures auth.FailureLimits

	Transcripts TranscriptIntake // POST /v1/calls/{id}/transcript; nil: not mounted
	Ratings     HintRatings      // POST /v1/calls/{id}/hints/{hint}/feedback; nil: not mounted
	// Writable reports whether the store keeps what the write APIs accept now; while it
	// returns an error they answer 503 with Retry-After. Nil: always.
	Writable func() error
	// Pprof mounts net/http/pprof under /debug/pprof/ for admin tokens (config pprof).
	Pprof bool
}

// Server routes HTTP requests.
type Server struct {
	p        Params
	mux      *http.ServeMux
	sessions *auth.Sessions // wraps Params.Auth: tokens, and session ids from POST /v1/session
	failures *auth.Failures // failed authentication per source address
	waits    waits          // websockets waiting for a call to start, per token
	patterns []string       // every mounted route, for the authorisation matrix test
	draining atomic.Bool
	checks   readiness // what else must hold for /readyz (readiness.go)
}

// New builds the routes.
func New(p Params) *Server {
	if p.MaxBody <= 0 {
		p.MaxBody = 1 << 20
	}
	if p.CallWait <= 0 {
		p.CallWait = time.Minute
	}
	if p.WaitsPerToken <= 0 {
		p.WaitsPerToken = 16
	}
	s := &Server{p: p, mux: http.NewServeMux(), sessions: auth.NewSessions(p.Auth, auth.SessionConfig{}),
		failures: auth.NewFailures(p.AuthFailures)}
	s.route("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, 200, "ok") })
	s.route("GET /readyz", s.ready)
	prom := promhttp.HandlerFor(p.Metrics.Registry, promhttp.HandlerOpts{})
	s.route("GET /metrics", s.authed(auth.Metrics, func(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
		prom.ServeHTTP(w, r)
	}))

	s.route("GET /v1/calls", s.authed(auth.ListCalls, s.listCalls))
	s.route("GET /v1/calls/{id}", s.authed(auth.ViewCall, s.getCall))
	s.route("GET /v1/me", s.authed(auth.Self, s.me))
	s.route("GET /v1/ws/calls/{id}", s.authedStream(auth.ViewCall, s.wsCall))
	s.route("GET /v1/ws/calls", s.authedStream(auth.ViewAll, s.wsAll))
	s.route("GET /v1/ws/agent", s.authedStream(auth.ViewCall, s.wsAgent))
	s.restRoutes()
	s.assistRoutes()
	if p.Pprof {
		s.pprofRoutes()
	}

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
	if err := s.checks.err(); err != nil {
		writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	writeText(w, 200, "ready")
}

// authed checks the credentials (see credential) and the role, and applies the per-token
// rate limit. Call-scoped checks (an agent's own calls, a supervisor's teams) happen in
// the handlers.
func (s *Server) authed(a auth.Action, h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authorize(w, r, a, false)
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
		p, ok := s.authorize(w, r, a, true)
		if !ok {
			return
		}
		release, ok := s.p.Limiter.Acquire(p.Key())
		if !ok {
			writeError(w, http.StatusTooManyRequests, fmt.Sprintf("this token has %d streams open already", s.p.Limiter.Limits().Concurrent))
			return
		}
		defer release()
		h(w, r, p)
	}
}

// authorize answers 429 (a source with too many failed attempts, or the principal's
// rate), 401 (no or bad credentials), 503 (token store unavailable) or 403 (role) itself
// and reports ok=false; else it returns the principal. Limits key on the principal (its
// token), not on the credential presented, so session cookies share their token's.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, a auth.Action, stream bool) (auth.Principal, bool) {
	// A refusal is answered before the body is read: closing the connection after it lets
	// the answer go out at once, where the server would otherwise first drain the body —
	// forever, if an unauthenticated client trickles it.
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	tok := credential(r, stream)
	p, ok := s.authenticate(w, r, tok, !stream && tok == "" && r.URL.Query().Has("token"))
	if !ok {
		return p, false
	}
	if ok, wait := s.p.Limiter.Allow(p.Key()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "request rate limit of this token reached")
		return p, false
	}
	// ViewCall and Feedback are call-scoped: an agent token passes here and the handler
	// checks the call's agent.
	if !p.Can(a, "") && !((a == auth.ViewCall || a == auth.Feedback) && p.Role == auth.AgentRole) {
		writeError(w, http.StatusForbidden, "role "+string(p.Role)+" may not do this")
		return p, false
	}
	w.Header().Del("Connection")
	return p, true
}

// credential is the bearer token of the Authorization header, else — on websocket routes
// only, as browsers cannot set headers there — ?token=, else the browser session cookie
// from POST /v1/session. A token in a REST URL would land in proxy logs and history.
func credential(r *http.Request, stream bool) string {
	if h := r.Header.Get("Authorization"); h != "" {
		t, _ := cutBearer(h)
		return t
	}
	if t := r.URL.Query().Get("token"); t != "" && stream {
		return t
	}
	return sessionCookie(r)
}

// lookup finds a call live, recent or stored and checks p may see it.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, p auth.Principal) (call.Info, bool) {
	in, found, ok := s.find(w, r)
	if !ok {
		return call.Info{}, false
	}
	if !found {
		writeError(w, http.StatusNotFound, "no call "+clipID(r.PathValue("id")))
		return call.Info{}, false
	}
	return in, s.mayView(w, p, in)
}

// find looks up the call named by the path's {id}: live or recently ended here, stored,
// or running on another node. ok=false means an answer (400, 503) has been written.
func (s *Server) find(w http.ResponseWriter, r *http.Request) (in call.Info, found, ok bool) {
	id := r.PathValue("id")
	if err := call.ValidID(id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return call.Info{}, false, false
	}
	in, found = s.p.Registry.Lookup(id)
	if !found && s.p.DB != nil {
		c, err := s.p.DB.GetCall(r.Context(), id)
		switch {
		case err == nil:
			in, found = StoredInfo(c), true
		case !errors.Is(err, store.ErrNotFound):
			s.storeError(w, "looking up a call", err)
			return call.Info{}, false, false
		}
	}
	if !found {
		in, found = s.remoteCall(id)
	}
	return in, found, true
}

// mayView checks p may see the call (the agent binding and a supervisor's teams),
// answering 403 when not.
func (s *Server) mayView(w http.ResponseWriter, p auth.Principal, in call.Info) bool {
	if ok, why := viewable(p, in.ID, in.Agent, in.Team); !ok {
		writeError(w, http.StatusForbidden, why)
		return false
	}
	return true
}

// viewable says whether p may see a call of agent in team, and if not, why.
func viewable(p auth.Principal, id, agent, team string) (bool, string) {
	if !p.Can(auth.ViewCall, agent) {
		return false, "call " + id + " is not assigned to this agent"
	}
	if !p.SeesCall(agent, team) {
		return false, "call " + id + " is outside this token's teams"
	}
	return true, ""
}

// clipID quotes an id in an error answer without echoing a long input.
func clipID(id string) string {
	if len(id) > 64 {
		return id[:64] + "…"
	}
	return id
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

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// writeError is the one JSON error writer (internal/httperr), bounded so it never echoes
// a large input.
func writeError(w http.ResponseWriter, code int, msg string) { httperr.WriteMsg(w, code, msg) }

func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg + "\n"))
}
