package ingest

import (
	"log/slog"
	"net/http"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/config"
)

// Protocol is one ingest protocol running on a node. Adding a protocol to Undertone is a
// package with a Factory and one line in the node's list (internal/server/protocols.go):
// the package speaks its wire format and hands each leg to Env.Admit.
type Protocol interface {
	Name() string
	// Start begins accepting: TCP/UDP protocols listen here; HTTP ones mounted their
	// routes when built.
	Start() error
	// Stop refuses new legs; the node then drains the live calls.
	Stop()
	// Close releases what is left after the drain (SIP sends its BYEs until then).
	Close() error
}

// Env is what a node gives the protocols it builds.
type Env struct {
	Config config.Config
	Log    *slog.Logger
	Admit  *Admitter // every leg is admitted here
	Auth   auth.Authenticator
	Mux    Mux // the node's HTTP API, for protocols with HTTP or websocket endpoints
}

// Mux is where protocols mount HTTP routes: the API's mux, which authenticates.
type Mux interface {
	Handle(pattern string, h http.Handler)
	Authed(a auth.Action, h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc
}

// Factory builds a protocol from the node's configuration; it returns nil, nil when the
// configuration leaves the protocol off.
type Factory func(Env) (Protocol, error)
