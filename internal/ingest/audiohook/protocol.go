package audiohook

import "github.com/undertone/undertone/internal/ingest"

// Route is where Genesys AudioHook connects.
const Route = "GET /v1/media/audiohook"

// Protocol builds the AudioHook endpoint of a node (always on).
func Protocol(env ingest.Env) (ingest.Protocol, error) {
	t := env.Config.Telephony
	s, err := New(Config{Log: env.Log.With("component", "audiohook"), Admit: env.Admit, Auth: env.Auth,
		ClientSecret: t.AudioHookSecret, MaxSkew: t.AudioHookMaxSkew})
	if err != nil {
		return nil, err
	}
	env.Mux.Handle(Route, s)
	return s, nil
}

// Name implements ingest.Protocol.
func (s *Server) Name() string { return "audiohook" }

// Start implements ingest.Protocol (the route is mounted).
func (s *Server) Start() error { return nil }

// Stop implements ingest.Protocol: new sessions are refused, handshakes aborted.
func (s *Server) Stop() { s.shut() }
