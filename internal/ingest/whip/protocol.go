package whip

import "github.com/undertone/undertone/internal/ingest"

// Protocol builds the WHIP endpoint of a node (always on) and mounts its routes.
func Protocol(env ingest.Env) (ingest.Protocol, error) {
	w := env.Config.WebRTC
	s, err := New(Config{Log: env.Log.With("component", "whip"), Admit: env.Admit,
		UDPPortMin: w.UDPPortMin, UDPPortMax: w.UDPPortMax, NAT1To1IPs: w.NAT1To1IPs, Loopback: w.Loopback})
	if err != nil {
		return nil, err
	}
	s.Mount(env.Mux)
	return s, nil
}

// Name implements ingest.Protocol.
func (s *Server) Name() string { return "whip" }

// Start implements ingest.Protocol: the routes are mounted; media ports open per session.
func (s *Server) Start() error { return nil }

// Stop implements ingest.Protocol: new offers are refused by the draining node's readiness;
// sessions end with their calls.
func (s *Server) Stop() {}

// Close implements ingest.Protocol.
func (s *Server) Close() error { return nil }
