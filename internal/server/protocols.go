package server

import (
	"fmt"

	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/ingest/whip"
)

// protocols are the ingest protocols every node builds, each on or off by its own
// configuration. A new protocol is a package with an ingest.Factory and one line here
// (or, in a test, WithProtocol).
var protocols = []ingest.Factory{
	whip.Protocol,
	twilio.Protocol,
	audiohook.Protocol,
	siprec.Protocol,
	audiosocket.Protocol,
}

// Option changes how Open builds a node.
type Option func(*options)

type options struct{ protocols []ingest.Factory }

// WithProtocol adds an ingest protocol to the node's own (tests, extensions).
func WithProtocol(f ingest.Factory) Option {
	return func(o *options) { o.protocols = append(o.protocols, f) }
}

// buildProtocols builds every protocol and keeps the typed handles tests and tools use.
func (n *Node) buildProtocols(extra []ingest.Factory) error {
	env := ingest.Env{Config: n.cfg, Log: n.log, Admit: n.admit, Auth: n.Auth, Mux: n.API}
	for _, f := range append(protocols[:len(protocols):len(protocols)], extra...) {
		p, err := f(env)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		if p == nil {
			continue
		}
		n.protocols = append(n.protocols, p)
		switch s := p.(type) {
		case *whip.Server:
			n.WHIP = s
		case *twilio.Server:
			n.Twilio = s
		case *audiohook.Server:
			n.AudioHook = s
		case *siprec.Server:
			n.SIP = s
		case *audiosocket.Server:
			n.AudioSocket = s
		}
	}
	return nil
}

// startProtocols opens the protocols' listeners.
func (n *Node) startProtocols() error {
	for _, p := range n.protocols {
		if err := p.Start(); err != nil {
			return fmt.Errorf("%s: %w", p.Name(), err)
		}
	}
	return nil
}

// stopProtocols stops accepting new legs; the calls are drained after.
func (n *Node) stopProtocols() {
	for _, p := range n.protocols {
		p.Stop()
	}
}

// closeProtocols releases what the protocols hold after the drain (SIP's BYEs went out).
func (n *Node) closeProtocols() {
	for _, p := range n.protocols {
		if err := p.Close(); err != nil {
			n.log.Warn("closing an ingest protocol", "protocol", p.Name(), "err", err)
		}
	}
}

// Protocols returns the ingest protocols the node runs.
func (n *Node) Protocols() []ingest.Protocol { return n.protocols }
