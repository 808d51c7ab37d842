package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/logx"
	"github.com/undertone/undertone/internal/server"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/transcript"
)

// runServe starts the server and blocks until ctx is cancelled (SIGTERM), then drains:
// readiness fails, live calls are ended with their summaries written, websockets close.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// Libraries that log through slog's default (sipgo's package-level logger falls back
	// to it) get the same redacting, rate-limited handler.
	slog.SetDefault(log)
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	tokens, err := auth.ParseTokens(cfg.Tokens)
	if err != nil {
		return err
	}

	comp, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	var devToken string
	if tokens.Len() == 0 && !hasValidStoredToken(ctx, comp.store) {
		devToken = randomToken()
		tokens.Add(devToken, auth.Principal{Role: auth.Admin, Name: "ephemeral-admin"})
		log.Warn("no tokens configured (UNDERTONE_TOKENS or `undertone token create`); using an ephemeral admin token for this run only")
	}
	authn := auth.NewStoreAuth(tokens, comp.store, auth.StoreConfig{})
	// The store closes last, after the node has ended its calls (their summaries are
	// written) and the recorder has drained; drainCtx bounds both.
	// Its cancel runs after the close: a deferred cancel of its own would run first (LIFO)
	// and hand the recorder an already cancelled context, dropping what it still holds.
	drainCtx, cancelDrain := context.Background(), context.CancelFunc(func() {})
	defer func() {
		if err := comp.close(drainCtx); err != nil {
			log.Error("closing the store", "err", err)
		}
		cancelDrain()
	}()
	srv, err := server.New(server.Options{Config: cfg, Log: log, Auth: authn, Bus: comp.bus,
		Recorder: comp.recorder(), DB: comp.store, Tokens: comp.store, Analyzers: comp.analyzers(),
		Joiners: comp.joiners(), Web: webFS(),
		Limiter: auth.NewLimiter(auth.Limits{Rate: cfg.TokenRate, Burst: cfg.TokenBurst, Concurrent: cfg.TokenStreams})})
	if err != nil {
		return err
	}
	// A store that cannot write what the node holds: counted in /metrics, /readyz fails,
	// and the write APIs answer 503 until the held rows are written.
	if err := srv.Metrics.RegisterStore(comp.rec.MetricsStats); err != nil {
		return err
	}
	srv.API.NotReadyWhen("store", comp.rec.Writable)
	transcript.Mount(srv.API, transcript.Params{Registry: srv.Registry,
		Log: log.With("component", "transcript"), Writable: comp.rec.Writable})
	hints.Mount(srv.API, comp.hints, hints.FeedbackParams{Log: log.With("component", "hints"), Writable: comp.rec.Writable})
	if err := srv.Start(nil); err != nil {
		return err
	}
	base := srv.URL()
	if cfg.PublicURL != "" {
		base = strings.TrimRight(cfg.PublicURL, "/")
	}
	log.Info("undertone serving", "url", base, "data_dir", cfg.DataDir, "version", version)
	printURLs(stdout, base, devToken)

	select {
	case <-ctx.Done():
	case err := <-srv.Done():
		return fmt.Errorf("http server: %w", err)
	}
	log.Info("shutting down: draining calls", "live", srv.Registry.Live(), "timeout", cfg.DrainTimeout)
	dctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	drainCtx, cancelDrain = dctx, cancel
	if err := srv.Shutdown(dctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
	}
	log.Info("stopped")
	return nil
}

// newLogger is the process's logger: credentials redacted and warnings and errors
// limited per source on every path (internal/logx).
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(logx.Wrap(h))
}

// printURLs tells a person where to start: the softphone publishing a new call and the
// agent view of that same call. The token is the ephemeral one when serve made it, or the
// one named by UNDERTONE_DEV_TOKEN (make run sets it), else a placeholder.
func printURLs(w io.Writer, base, token string) {
	if token == "" {
		token = os.Getenv("UNDERTONE_DEV_TOKEN")
	}
	if token == "" {
		token = "YOUR_TOKEN"
	}
	id := call.NewID()
	fmt.Fprintf(w, "\nUndertone is running at %s\n", base)
	fmt.Fprintf(w, "  softphone (publish a call): %s/softphone.html?call=%s&party=customer&token=%s\n", base, id, token)
	fmt.Fprintf(w, "  agent view of that call:    %s/agent.html?call=%s&token=%s\n", base, id, token)
	fmt.Fprintf(w, "  supervisor wallboard:       %s/wallboard.html?token=%s\n", base, token)
	fmt.Fprintf(w, "  dashboard:                  %s/?token=%s\n\n", base, token)
}

// hasValidStoredToken reports whether the store holds a token that can be used now; a
// store that cannot say counts as having one, so a hiccup never opens an admin token.
func hasValidStoredToken(ctx context.Context, st store.Store) bool {
	ts, err := st.ListTokens(ctx)
	if err != nil {
		return true
	}
	now := time.Now()
	for _, t := range ts {
		if t.Valid(now) {
			return true
		}
	}
	return false
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
