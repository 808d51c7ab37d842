package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/logx"
	"github.com/undertone/undertone/internal/server"
)

// runServe starts a node and blocks until ctx is cancelled (SIGTERM), then drains:
// readiness fails, live calls are ended with their summaries written, websockets close,
// and the store closes last. The node itself is assembled by server.Open.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	path, set, err := serveFlags(args, stdout)
	if err != nil {
		return err
	}
	cfg, err := config.Load(path, os.Getenv, set...)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	cfg.Version = version
	// Libraries that log through slog's default (sipgo's package-level logger falls back
	// to it) get the same redacting, rate-limited handler.
	slog.SetDefault(log)
	n, err := server.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	base := n.URL()
	if cfg.PublicURL != "" {
		base = strings.TrimRight(cfg.PublicURL, "/")
	}
	log.Info("undertone serving", "url", base, "data_dir", cfg.DataDir, "version", version)
	printURLs(stdout, base, n.DevToken)

	var served error
	select {
	case <-ctx.Done():
	case err := <-n.Done():
		served = fmt.Errorf("http server: %w", err)
	}
	log.Info("shutting down: draining calls", "live", n.Registry.Live(), "timeout", cfg.DrainTimeout)
	dctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	if err := n.Shutdown(dctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
	}
	log.Info("stopped")
	return served
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
