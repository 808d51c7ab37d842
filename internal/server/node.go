// Package server assembles one undertone node from its configuration — store, models,
// bus, hub, call registry, ingests, API and every route — and runs it. main parses flags
// and signals and calls Open; the tests call Open through servertest, so they run exactly
// what ships. Node.Shutdown owns the close order.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/bus"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/ingest/whip"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/transcript"
	"github.com/undertone/undertone/internal/wallboard"
	"github.com/undertone/undertone/web"
)

// Node is one running undertone node.
type Node struct {
	Metrics  *metrics.Metrics
	Store    store.Store
	Auth     *auth.StoreAuth
	Bus      bus.Bus
	Hub      *hub.Hub
	Registry *call.Registry
	Hints    *hints.Engine
	WHIP     *whip.Server
	API      *api.Server

	AudioSocket *audiosocket.Server // nil unless Config.AudioSocketAddr is set
	Twilio      *twilio.Server      // websocket media streams at /v1/media/twilio
	AudioHook   *audiohook.Server   // Genesys AudioHook at /v1/media/audiohook
	SIP         *siprec.Server      // nil unless Config.SIPAddr is set

	// DevToken is the ephemeral admin token Open made because no token was configured
	// or stored ("" otherwise). It is valid for this run only.
	DevToken string

	cfg       config.Config
	log       *slog.Logger
	deps      *deps
	admit     *ingest.Admitter
	protocols []ingest.Protocol
	http      *http.Server
	ln        net.Listener
	done      chan error

	unsub func()
}

// Open builds the whole node from cfg and starts serving: it opens the store (marking
// calls an earlier crash left live as interrupted), loads the models, connects the bus,
// builds the hub, registry, ingests and API with every route, and listens on cfg.Addr
// (and the telephony addresses). On error everything opened so far is closed again.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*Node, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, f := range opts {
		f(&o)
	}
	n, err := build(ctx, cfg, log, o)
	if err != nil {
		return nil, err
	}
	if err := n.start(); err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
		defer cancel()
		_ = n.Shutdown(sctx)
		return nil, err
	}
	return n, nil
}

// build makes every part; nothing listens yet.
func build(ctx context.Context, cfg config.Config, log *slog.Logger, o options) (n *Node, err error) {
	d, err := openDeps(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	n = &Node{cfg: cfg, log: log, deps: d, Metrics: metrics.New(), Store: d.store, Bus: d.bus, Hints: d.hints}
	defer func() {
		if err != nil {
			_ = n.closeDeps(context.Background())
		}
	}()
	if err := d.asr.register(n.Metrics.Registry); err != nil {
		return nil, err
	}
	tokens, err := auth.ParseTokens(cfg.Tokens)
	if err != nil {
		return nil, err
	}
	if tokens.Len() == 0 && !hasValidStoredToken(ctx, d.store) {
		n.DevToken = randomToken()
		tokens.Add(n.DevToken, auth.Principal{Role: auth.Admin, Name: "ephemeral-admin"})
		log.Warn("no tokens configured (UNDERTONE_TOKENS or `undertone token create`); using an ephemeral admin token for this run only")
	}
	n.Auth = auth.NewStoreAuth(tokens, d.store, auth.StoreConfig{})

	n.Hub = hub.New(hub.Config{AllowedOrigins: cfg.AllowedOrigins}, log.With("component", "hub"), n.Metrics)
	n.unsub = n.Bus.Subscribe(n.Hub.Publish)
	n.Registry = call.NewRegistry(call.Config{
		Log: log, Metrics: n.Metrics, Publish: n.Bus.Publish, Recorder: d.rec.ForRegistry(), // call rows held and retried on a full disk
		Analyzers: d.analyzers(), Joiners: append([]call.CallAnalyzerFactory{wallboard.NewFactory(wallboard.Config{})}, d.joiners()...),
		IdleTimeout: cfg.IdleTimeout, CueInterval: cfg.CueInterval, MaxCalls: cfg.MaxCalls,
	})
	// Every protocol admits its legs through one Admitter: attribution, metadata checks,
	// the per-integrator call limit (shared across protocols) and call ownership.
	n.admit = &ingest.Admitter{Registry: n.Registry, Calls: auth.NewCallLimiter(cfg.Telephony.MaxCallsPerToken),
		Log: log.With("component", "ingest")}
	// A store that cannot write what the node holds: counted in /metrics, /readyz fails
	// and the write APIs answer 503 until the held rows are written.
	if err := n.Metrics.RegisterStore(d.rec.MetricsStats); err != nil {
		return nil, err
	}
	n.API = api.New(api.Params{Log: log, Metrics: n.Metrics, Auth: n.Auth, Registry: n.Registry,
		Hub: n.Hub, DB: d.store, Tokens: d.store, Web: web.FS, MaxBody: cfg.MaxBodyBytes, CallWait: cfg.CallWait, Pprof: cfg.Pprof,
		Limiter:     auth.NewLimiter(auth.Limits{Rate: cfg.TokenRate, Burst: cfg.TokenBurst, Concurrent: cfg.TokenStreams}),
		Transcripts: transcript.New(transcript.Params{Registry: n.Registry, Log: log.With("component", "transcript")}),
		Ratings:     hints.NewFeedback(d.hints, hints.FeedbackParams{Log: log.With("component", "hints")}),
		Writable:    d.rec.Writable})
	n.API.NotReadyWhen("store", d.rec.Writable)
	doc := OpenAPI(cfg.Version)
	n.API.Handle("GET /v1/openapi.json", n.API.Authed(auth.Self, func(w http.ResponseWriter, _ *http.Request, _ auth.Principal) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	if err := n.buildProtocols(o.protocols); err != nil {
		return nil, err
	}
	return n, nil
}

// start listens on the HTTP and telephony addresses and serves in the background.
func (n *Node) start() error {
	ln, err := net.Listen("tcp", n.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	if err := n.startProtocols(); err != nil {
		ln.Close()
		return fmt.Errorf("server: %w", err)
	}
	h := n.cfg.HTTP
	total := h.MaxConns
	if total == 0 {
		total = connBudget()
	}
	perSource := h.MaxConnsPerSource
	if total > 0 && (perSource == 0 || perSource > total/2) {
		perSource = max(1, total/2) // one address can never hold every connection
	}
	ln = newLimitListener(ln, total, perSource, func(reason string) {
		n.Metrics.ConnsRefused.WithLabelValues(reason).Inc()
	})
	n.ln = ln
	n.http = &http.Server{Handler: n.API, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: h.ReadTimeout,
		WriteTimeout: h.WriteTimeout, IdleTimeout: h.IdleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	n.done = make(chan error, 1)
	go func() {
		var err error
		if n.cfg.TLSCert != "" {
			err = n.http.ServeTLS(ln, n.cfg.TLSCert, n.cfg.TLSKey)
		} else {
			err = n.http.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		n.done <- err
	}()
	return nil
}

// CallLimiter is the per-integrator concurrent-call limit every protocol shares.
func (n *Node) CallLimiter() *auth.CallLimiter { return n.admit.Calls }

// Config returns the configuration the node was opened with.
func (n *Node) Config() config.Config { return n.cfg }

// Done delivers the HTTP server's error if it stops by itself.
func (n *Node) Done() <-chan error { return n.done }

// Addr is the HTTP listen address (with the port the kernel picked for ":0").
func (n *Node) Addr() string { return n.ln.Addr().String() }

// URL is the base URL the node answers on.
func (n *Node) URL() string {
	scheme := "http"
	if n.cfg.TLSCert != "" {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(n.ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Shutdown drains and closes the node, in this order: readiness fails; the ingest
// protocols stop accepting; every live call ends with its summary written; the protocols
// close (SIP after the calls' BYEs went out); websocket clients are closed; the HTTP server stops;
// then the recogniser, the bus (sending what other nodes have not had yet), the event
// recorder (writing what it holds) and the store. ctx bounds the whole drain. Safe once.
func (n *Node) Shutdown(ctx context.Context) error {
	var errs []error
	if n.API != nil {
		n.API.SetDraining()
	}
	n.stopProtocols()
	if n.Registry != nil {
		if err := n.Registry.Drain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: drain calls: %w", err))
		}
	}
	n.closeProtocols()
	if n.Hub != nil {
		if err := n.Hub.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: close hub: %w", err))
		}
	}
	if n.http != nil {
		if err := n.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: http: %w", err))
		}
	}
	if err := n.closeDeps(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (n *Node) closeDeps(ctx context.Context) error {
	if n.unsub != nil {
		n.unsub()
		n.unsub = nil
	}
	if n.deps == nil {
		return nil
	}
	d := n.deps
	n.deps = nil
	return d.close(ctx)
}
