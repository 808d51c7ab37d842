package audiosocket

import (
	"fmt"
	"net/http"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
)

// BindRoute is where integrators bind a UUID to a call before AudioSocket() runs.
const BindRoute = "POST /v1/audiosocket/bindings"

// Protocol builds a node's Asterisk AudioSocket listener when audiosocket_addr is set
// (nil otherwise) and mounts the bindings route.
func Protocol(env ingest.Env) (ingest.Protocol, error) {
	t := env.Config.Telephony
	if env.Config.AudioSocketAddr == "" {
		return nil, nil
	}
	allow, err := config.ParsePrefixes(t.AudioSocketAllow)
	if err != nil {
		return nil, fmt.Errorf("audiosocket: allow-list: %w", err)
	}
	s := New(Config{Log: env.Log.With("component", "audiosocket"), Admit: env.Admit, Mapping: t.AudioSocketMapping,
		AllowFrom: allow, MaxConns: t.AudioSocketMax, DefaultParty: event.Party(t.AudioSocketDefaultParty)})
	s.addr = env.Config.AudioSocketAddr
	env.Mux.Handle(BindRoute, env.Mux.Authed(auth.Ingest,
		func(w http.ResponseWriter, r *http.Request, p auth.Principal) { s.ServeBind(w, r, p) }))
	return s, nil
}

// Name implements ingest.Protocol.
func (s *Server) Name() string { return "audiosocket" }

// Start implements ingest.Protocol.
func (s *Server) Start() error { return s.Listen(s.addr) }

// Stop implements ingest.Protocol: no new connections, handshakes aborted; connections
// in calls belong to their calls.
func (s *Server) Stop() { _ = s.Close() }
