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
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/ingest/whip"
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
	WHIP     *whip.Server
	DB       History           // the store behind search, timelines, trends, exports; optional
	Tokens   TokenAdmin        // token administration (/v1/tokens); optional
	Limiter  *auth.Limiter     // per-token request rate and open websockets; nil = unlimited
	Calls    *auth.CallLimiter // per-integrator concurrent calls on WHIP; nil = unlimited
	Web      fs.FS             // static pages; optional
	MaxBody  int64
	// AuthFailures bound failed authentication per source address (zero: the defaults
	// of auth.FailureLimits).
	AuthFailures auth.FailureLimits
}

// Server routes HTTP requests.
type Server struct {
	p        Params
	mux      *http.ServeMux
	sessions *auth.Sessions // wraps Params.Auth: tokens, and session ids from POST /v1/session
	failures *auth.Failures // failed authentication per source address
	patterns []string       // every mounted route, for the authorisation matrix test
	draining atomic.Bool
	checks   readiness // what else must hold for /readyz (readiness.go)
}

// New builds the routes.
func New(p Params) *Server {
	if p.MaxBody <= 0 {
		p.MaxBody = 1 << 20
	}
	s := &Server{p: p, mux: http.NewServeMux(), sessions: auth.NewSessions(p.Auth, auth.SessionConfig{}),
		failures: auth.NewFailures(p.AuthFailures)}
	s.route("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, 200, "ok") })
	s.route("GET /readyz", s.ready)
	prom := promhttp.HandlerFor(p.Metrics.Registry, promhttp.HandlerOpts{})
	s.route("GET /metrics", s.authed(auth.Metrics, func(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
		prom.ServeHTTP(w, r)
	}))

	s.route("POST /v1/whip", s.authed(auth.Ingest, s.whipOffer))
	s.route("DELETE /v1/whip/{session}", s.authed(auth.Ingest, s.whipDelete))
	s.route("PATCH /v1/whip/{session}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "DELETE")
		writeError(w, http.StatusMethodNotAllowed, "whip: trickle ICE is not supported; the answer carries all candidates")
	})
	s.route("OPTIONS /v1/whip", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Accept-Post", "application/sdp")
		w.WriteHeader(http.StatusNoContent)
	})

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

// CallLimiter returns the per-integrator call limiter WHIP offers use, so other ingests
// (Twilio, AudioHook, SIP) can count their calls against the same bound: Reserve before
// opening a call, Hold(callID) once open and register the release with Call.OnEnd.
func (s *Server) CallLimiter() *auth.CallLimiter { return s.p.Calls }

// Registry returns the call registry the API serves.
func (s *Server) Registry() *call.Registry { return s.p.Registry }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// Handle mounts a route that lives in another package (the websocket media ingests,
// which authenticate in their own protocol's way) on the API's mux.
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
		release, ok := s.p.Limiter.Acquire(p.Key)
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
	tok := credential(r, stream)
	p, ok := s.authenticate(w, r, tok, !stream && tok == "" && r.URL.Query().Has("token"))
	if !ok {
		return p, false
	}
	if ok, wait := s.p.Limiter.Allow(p.Key); !ok {
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

func (s *Server) whipOffer(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	op := whip.OfferParams{Call: q.Get("call"), Agent: q.Get("agent")}
	for _, k := range []string{"team", "queue", "lang", "playbook"} { // call meta: scope, language (ASR), hint sectors
		if v := q.Get(k); v != "" {
			if len(v) > 64 {
				writeError(w, http.StatusBadRequest, "whip: query "+k+": longer than 64 characters")
				return
			}
			if op.Meta == nil {
				op.Meta = map[string]string{}
			}
			op.Meta[k] = v
		}
	}
	if len(op.Agent) > 64 {
		writeError(w, http.StatusBadRequest, "whip: query agent: longer than 64 characters")
		return
	}
	if v := q.Get("party"); v != "" {
		party, err := event.ParseParty(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "whip: query party: "+err.Error())
			return
		}
		op.Party = party
	}
	if op.Agent == "" && p.Role == auth.AgentRole {
		op.Agent = p.Agent
	}
	if op.Call != "" {
		if err := call.ValidID(op.Call); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	slot, err := s.p.Calls.Reserve(p, op.Call)
	if err != nil {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusTooManyRequests, "whip: "+err.Error())
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	s.p.WHIP.ServeOffer(sw, r, op)
	if sw.code != http.StatusCreated {
		slot.Cancel()
		return
	}
	s.holdCall(slot, w.Header().Get("X-Undertone-Call"))
}

// holdCall counts the call an offer opened against the token until the call ends.
func (s *Server) holdCall(slot *auth.Slot, id string) {
	release := slot.Hold(id)
	if release == nil {
		return
	}
	if c := s.p.Registry.Get(id); c != nil {
		c.OnEnd(release) // runs at once if the call has ended meanwhile
		return
	}
	release()
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) whipDelete(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	s.p.WHIP.ServeDelete(w, r.PathValue("session"))
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
	if err := s.p.Hub.Serve(w, r, hub.Subscription{Call: in.ID, Since: since}); err != nil && !errors.Is(err, hub.ErrClosed) {
		s.p.Log.Debug("websocket ended", "call", in.ID, "err", err)
	}
}

// wsAll is the supervisor's all-calls stream: lifecycle, call.status (≤ 1/s per call),
// alerts and hints at once; never the high-rate cues.
// A supervisor bound to teams gets only their teams' calls.
func (s *Server) wsAll(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	inScope := func(event.Raw) bool { return true }
	if len(p.Teams) > 0 && p.Role != auth.Admin {
		inScope = s.teamScope(p)
	}
	_ = s.p.Hub.Serve(w, r, hub.Subscription{Filter: func(raw event.Raw) bool {
		return wallboard.SupervisorEvent(raw.Type) && inScope(raw)
	}})
}

// teamScope decides per call whether its team is one of p's, remembering the answer: a
// call's team is fixed when it opens, and the all-calls stream asks for every event. The
// team comes from the call.started event's meta (so calls of other nodes on a shared bus
// are scoped too), else from the call in memory. It runs on the publish path, so it never
// asks the store.
func (s *Server) teamScope(p auth.Principal) func(raw event.Raw) bool {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(raw event.Raw) bool {
		mu.Lock()
		defer mu.Unlock()
		if v, ok := seen[raw.Call]; ok {
			return v
		}
		var v, known bool
		if raw.Type == event.CallStarted || raw.Type == event.CallEnded {
			var ev struct {
				Data struct {
					Meta map[string]string `json:"meta"`
				} `json:"data"`
			}
			if json.Unmarshal(raw.Body, &ev) == nil {
				v, known = p.InTeams(ev.Data.Meta["team"]), true
			}
		}
		if !known {
			in, ok := s.p.Registry.Lookup(raw.Call)
			v, known = ok && p.InTeams(in.Team), ok
		}
		if !known {
			return false // not cached: a later call.started may still tell
		}
		if len(seen) > 10000 {
			clear(seen)
		}
		seen[raw.Call] = v
		return v
	}
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
