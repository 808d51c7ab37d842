// Command undertone-floor is the transport floor the load benchmark (make bench-load)
// holds undertone against: a WHIP receiver built with undertone's own WebRTC API
// (whip.NewAPI: the same pion version, codecs, interceptors and ICE settings) that
// decodes every packet as undertone's ingest does (codec.ForCodec, sequence tracking,
// concealment of gaps) and does nothing else — no resampling, analysis, events or store.
// What undertone costs above it is the price of the pipeline.
//
//	undertone-floor --addr 127.0.0.1:18081 --token T
//
// Routes: POST /v1/whip (an offer with a Bearer token → 201, answer, Location),
// DELETE /v1/whip/{id}, GET /metrics (process CPU and memory, packets, packets lost),
// GET /healthz.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "undertone-floor:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; ready, if set, gets the listening address.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("undertone-floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:18081", "HTTP listen address")
	token := fs.String("token", "", "bearer token WHIP and /metrics requests must carry (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(*token) < 8 {
		return errors.New("--token of at least 8 characters is required")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := newFloor(*token, log)
	if err != nil {
		return err
	}
	defer f.close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: f.routes(), ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-errc
		return nil
	case err := <-errc:
		return err
	}
}
