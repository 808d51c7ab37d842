package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

// runReplay publishes a WAV file as a live call over WHIP, in real time, and exits when
// the file ends (hanging up with DELETE).
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "http://127.0.0.1:8080", "undertone base URL")
	token := fs.String("token", "", "bearer token (integrator or admin role)")
	callID := fs.String("call", "", "call id (default: the server makes one)")
	agent := fs.String("agent", "", "agent id the call is assigned to")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: undertone replay FILE.wav --server URL --token T [--call ID]")
		fs.PrintDefaults()
	}
	file, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		fs.Usage()
		return fmt.Errorf("replay: a WAV file is required")
	}
	chans, err := whipclient.LoadWAV(file)
	if err != nil {
		return err
	}
	parties := []event.Party{event.Customer, event.Agent}[:len(chans)]
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	pub, err := whipclient.Dial(dctx, whipclient.Params{Server: *server, Token: *token, Call: *callID,
		Parties: parties, Agent: *agent})
	cancel()
	if err != nil {
		return err
	}
	dur := time.Duration(len(chans[0])) * time.Second / whipclient.Rate
	fmt.Fprintf(stdout, "replaying %s (%s, %d channel(s)) as call %s\n", file, dur.Round(time.Millisecond), len(chans), pub.Call())
	playErr := pub.Play(ctx, chans, nil)
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	closeErr := pub.Close(cctx)
	if playErr != nil && ctx.Err() == nil {
		return playErr
	}
	if closeErr != nil {
		return closeErr
	}
	fmt.Fprintf(stdout, "call %s ended\n", pub.Call())
	return nil
}

// splitPositional lets the file come before or after the flags.
func splitPositional(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}
