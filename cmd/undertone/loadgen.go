package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/undertone/undertone/internal/cli"
	"github.com/undertone/undertone/internal/loadgen"
	"github.com/undertone/undertone/internal/whipclient"
)

// runLoadgen plays a WAV as N concurrent calls and prints latency and CPU figures.
func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "undertone base URL (loopback or your own test host)")
	token := fs.String("token", "", "admin token (ingest + view + metrics)")
	calls := fs.Int("calls", 50, "concurrent calls")
	synth := fs.Float64("tone-bursts", 0, "instead of a WAV: this many seconds of synthetic two-party tone bursts")
	pos, err := cli.Parse(fs, args, "usage: undertone loadgen [FILE.wav] --server URL --token T --calls N", stderr)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return cli.Usage("loadgen", "want at most one WAV file, got %d arguments", len(pos))
	}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
	}
	var chans [][]int16
	switch {
	case *synth > 0:
		chans = loadgen.ToneBursts(*synth, 2)
	case file == "":
		return cli.Usage("loadgen", "a WAV file or --tone-bursts SECONDS is required")
	default:
		if chans, err = whipclient.LoadWAV(file); err != nil {
			return err
		}
	}
	rep, err := loadgen.Run(ctx, loadgen.Params{Server: *server, Token: *token, Calls: *calls, Channels: chans,
		Log: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.String())
	return nil
}
