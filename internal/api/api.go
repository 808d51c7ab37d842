package api

import (
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/ingest/whip"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/wallboard"
)

// CallLister finds calls that are no longer in memory (the store).
type CallLister interface {
	ListCalls(r *http.Request, limit int) ([]call.Info, error)
	LookupCall(r *http.Request, id string) (call.Info, bool, error)
}

// Params wire the API to its components.
type Params struct {
	Log      *slog.Logger
	Metrics  *metrics.Metrics
	Auth     auth.Authenticator
	Registry *call.Registry
	Hub      *hub.Hub
	WHIP     *whip.Server
	Store    CallLister // optional
	Web      fs.FS      // static pages; optional
	MaxBody  int64
}

// Server routes HTTP requests.
type Server struct {
	p        Params
	mux      *http.ServeMux
	draining atomic.Bool
}

// New builds the routes.
func New(p Params) *Server {
	if p.MaxBody <= 0 {
		p.MaxBody = 1 << 20
	}
	s := &Server{p: p, mux: http.NewServeMux()}
	m := s.mux
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, 200, "ok") })
	m.HandleFunc("GET /readyz", s.ready)
	prom := promhttp.HandlerFor(p.Metrics.Registry, promhttp.HandlerOpts{})
	m.HandleFunc("GET /metrics", s.authed(auth.Metrics, func(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
		prom.ServeHTTP(w, r)
	}))

	m.HandleFunc("POST /v1/whip", s.authed(auth.Ingest, s.whipOffer))
	m.HandleFunc("DELETE /v1/whip/{session}", s.authed(auth.Ingest, s.whipDelete))
	m.HandleFunc("PATCH /v1/whip/{session}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "DELETE")
		writeError(w, http.StatusMethodNotAllowed, "whip: trickle ICE is not supported; the answer carries all candidates")
	})
	m.HandleFunc("OPTIONS /v1/whip", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Accept-Post", "application/sdp")
		w.WriteHeader(http.StatusNoContent)
	})

	m.HandleFunc("GET /v1/calls", s.authed(auth.ListCalls, s.listCalls))
	m.HandleFunc("GET /v1/calls/{id}", s.authed(auth.ViewCall, s.getCall))
	m.HandleFunc("GET /v1/ws/calls/{id}", s.authed(auth.ViewCall, s.wsCall))
	m.HandleFunc("GET /v1/ws/calls", s.authed(auth.ViewAll, s.wsAll))

	if p.Web != nil {
		m.Handle("GET /", http.FileServerFS(p.Web))
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

// Handle mounts a route that lives in another package (the websocket media ingests,
// which authenticate in their own protocol's way) on the API's mux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

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

type principalKey struct{}

// authed checks the bearer token (header, or ?token= for websockets and links) and the role.
// Call-scoped checks (an agent's own calls) happen in the handlers.
func (s *Server) authed(a auth.Action, h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := bearer(r)
		p, err := s.p.Auth.Authenticate(tok)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		if !p.Can(a, "") && !(a == auth.ViewCall && p.Role == auth.AgentRole) {
			writeError(w, http.StatusForbidden, "role "+string(p.Role)+" may not do this")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.p.MaxBody)
		h(w, r, p)
	}
}

func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		return ""
	}
	return r.URL.Query().Get("token")
}

func (s *Server) whipOffer(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	op := whip.OfferParams{Call: q.Get("call"), Agent: q.Get("agent")}
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
	s.p.WHIP.ServeOffer(w, r, op)
}

func (s *Server) whipDelete(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	s.p.WHIP.ServeDelete(w, r.PathValue("session"))
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	limit := 200
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be 1..1000")
			return
		}
		limit = n
	}
	calls := s.p.Registry.List()
	seen := make(map[string]bool, len(calls))
	for _, c := range calls {
		seen[c.ID] = true
	}
	if s.p.Store != nil {
		stored, err := s.p.Store.ListCalls(r, limit)
		if err != nil {
			s.p.Log.Error("listing stored calls", "err", err)
			writeError(w, http.StatusInternalServerError, "store unavailable")
			return
		}
		for _, c := range stored {
			if !seen[c.ID] {
				calls = append(calls, c)
				seen[c.ID] = true
			}
		}
	}
	out := make([]call.Info, 0, len(calls))
	for _, c := range calls {
		if p.Can(auth.ViewCall, c.Agent) && len(out) < limit {
			out = append(out, c)
		}
	}
	writeJSON(w, 200, map[string]any{"calls": out})
}

// lookup finds a call live, recent or stored and checks p may see it.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, p auth.Principal) (call.Info, bool) {
	id := r.PathValue("id")
	if err := call.ValidID(id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return call.Info{}, false
	}
	in, ok := s.p.Registry.Lookup(id)
	if !ok && s.p.Store != nil {
		var err error
		in, ok, err = s.p.Store.LookupCall(r, id)
		if err != nil {
			s.p.Log.Error("looking up stored call", "call", id, "err", err)
			writeError(w, http.StatusInternalServerError, "store unavailable")
			return call.Info{}, false
		}
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no call "+id)
		return call.Info{}, false
	}
	if !p.Can(auth.ViewCall, in.Agent) {
		writeError(w, http.StatusForbidden, "call "+id+" is assigned to another agent")
		return call.Info{}, false
	}
	return in, true
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
func (s *Server) wsAll(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	_ = s.p.Hub.Serve(w, r, hub.Subscription{Filter: func(raw event.Raw) bool {
		return wallboard.SupervisorEvent(raw.Type)
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
