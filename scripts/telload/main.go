// Command telload is the load client: N concurrent two-party calls over one ingest
// protocol (whip, siprec, audiosocket, twilio, audiohook) against a running undertone,
// reporting onset → vad-cue latency p50/p99, server CPU per party stream (% of one core)
// and packets lost (`undertone loadgen` is its WHIP-only twin). See telephony-load.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/loadgen"
	"github.com/undertone/undertone/internal/server"
	"github.com/undertone/undertone/internal/whipclient"
)

func main() {
	proto := flag.String("proto", "audiosocket", "whip, siprec, audiosocket, twilio or audiohook")
	server := flag.String("server", "http://127.0.0.1:8080", "undertone base URL")
	token := flag.String("token", "", "admin token (ingest, view, metrics)")
	sipAddr := flag.String("sip", "127.0.0.1:5060", "--sip-addr of the server")
	sipTransport := flag.String("sip-transport", "udp", "udp or tcp")
	asAddr := flag.String("audiosocket", "127.0.0.1:9092", "--audiosocket-addr of the server")
	secret := flag.String("audiohook-secret", "", "AudioHook client secret (base64) if the server requires signatures")
	calls := flag.Int("calls", 20, "concurrent calls")
	seconds := flag.Float64("seconds", 20, "length of each call (synthetic tone bursts)")
	wavFile := flag.String("wav", "", "play this WAV instead of tone bursts (stereo: customer left)")
	serve := flag.String("serve", "", "instead: run a bare node (no store, no emotion model) on this HTTP address, "+
		"with -sip and -audiosocket listeners, until interrupted")
	flag.Parse()
	if *serve != "" {
		if err := runNode(*serve, *sipAddr, *asAddr, *token, *secret); err != nil {
			fail(err)
		}
		return
	}

	// SIPREC INVITEs (~1.5 KB) go over UDP as SBCs send them, fragmented by IP.
	sip.UDPMTUSize = 65000
	// sipgo's client transport logs connection bookkeeping at WARN; keep the report readable.
	sip.SetDefaultLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))

	chans := loadgen.ToneBursts(*seconds, 2)
	if *wavFile != "" {
		var err error
		if chans, err = whipclient.LoadWAV(*wavFile); err != nil {
			fail(err)
		}
		if len(chans) == 1 {
			chans = append(chans, make([]int16, len(chans[0])))
		}
	}
	dial, err := loadgen.NewDialer(*proto, loadgen.TelephonyParams{HTTP: *server, Token: *token, SIPAddr: *sipAddr,
		SIPTransport: *sipTransport, AudioSocket: *asAddr, AudioHookKey: *secret, AudioHookOrg: "load"})
	if err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep, err := loadgen.RunPeers(ctx, loadgen.Params{Server: *server, Token: *token, Calls: *calls, Channels: chans,
		RunID: "tl-" + *proto, Log: log}, dial)
	if err != nil {
		fail(err)
	}
	fmt.Printf("proto=%s %s\n", *proto, rep)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "telload:", err)
	os.Exit(1)
}

// runNode serves a node with only the core cue path (decode, resample, level, pitch, VAD):
// for ingest figures when the full binary cannot start, or to separate ingest cost from
// the emotion model's.
func runNode(addr, sipAddr, asAddr, token, secret string) error {
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.SIPAddr, cfg.AudioSocketAddr = addr, os.TempDir(), sipAddr, asAddr
	cfg.IdleTimeout = 10 * time.Second
	cfg.Telephony.AudioHookSecret = secret
	cfg.Telephony.SIPAllowFrom = []string{"127.0.0.1"} // the load client is the trusted SBC
	if err := cfg.Validate(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "telload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.Tokens, cfg.ASR, cfg.DataDir = "admin:"+token, "none", dir
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.Open(context.Background(), cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
