package twilio

import "github.com/undertone/undertone/internal/ingest"

// Route is where Twilio Media Streams connect.
const Route = "GET /v1/media/twilio"

// Protocol builds the Twilio media-stream endpoint of a node (always on).
func Protocol(env ingest.Env) (ingest.Protocol, error) {
	s := New(Config{Log: env.Log.With("component", "twilio"), Admit: env.Admit, Auth: env.Auth})
	env.Mux.Handle(Route, s)
	return s, nil
}

// Name implements ingest.Protocol.
func (s *Server) Name() string { return "twilio" }

// Start implements ingest.Protocol (the route is mounted).
func (s *Server) Start() error { return nil }

// Stop implements ingest.Protocol: new streams are refused, handshakes aborted.
func (s *Server) Stop() { s.shut() }
