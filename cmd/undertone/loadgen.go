package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/undertone/undertone/internal/loadgen"
	"github.com/undertone/undertone/internal/whipclient"
)

// runLoadgen plays a WAV as N concurrent calls and prints latency and CPU figures.
func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "http://127.0.0.1:8080", "undertone base URL (loopback or your own test host)")
	token := fs.String("token", "", "admin token (ingest + view + metrics)")
	calls := fs.Int("calls", 50, "concurrent calls")
	synth := fs.Float64("tone-bursts", 0, "instead of a WAV: this many seconds of synthetic two-party tone bursts")
	file, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	var chans [][]int16
	switch {
	case *synth > 0:
		chans = loadgen.ToneBursts(*synth, 2)
	case file == "":
		return fmt.Errorf("loadgen: a WAV file or --tone-bursts SECONDS is required")
	default:
		var err error
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
