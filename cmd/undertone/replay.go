package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/undertone/undertone/internal/cli"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

// runReplay publishes a WAV file as a live call over WHIP, in real time, and exits when
// the file ends (hanging up with DELETE).
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "undertone base URL")
	token := fs.String("token", "", "bearer token (integrator or admin role)")
	callID := fs.String("call", "", "call id (default: the server makes one)")
	meta := map[string]*string{}
	for _, m := range []struct{ name, usage string }{
		{"agent", "agent id the call is routed to"},
		{"team", "the agent's team (supervisor scope)"},
		{"queue", "queue or skill the call came through"},
		{"lang", "the caller's language, e.g. nl or en-GB: picks the recogniser (a Dutch call never goes to an English one)"},
		{"playbook", "hint sectors, e.g. telecom or banking,insurance"},
	} {
		meta[m.name] = fs.String(m.name, "", m.usage)
	}
	pos, err := cli.Parse(fs, args, "usage: undertone replay FILE.wav --server URL --token T [flags]\n\n"+
		"Publishes FILE.wav (mono: the customer; stereo: customer left, agent right) as a live call over WHIP, in real time.", stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cli.Usage("replay", "want one WAV file, got %d arguments", len(pos))
	}
	file := pos[0]
	chans, err := whipclient.LoadWAV(file)
	if err != nil {
		return err
	}
	parties := []event.Party{event.Customer, event.Agent}[:len(chans)]
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	m := map[string]string{}
	for k, v := range meta {
		if *v != "" && k != "agent" {
			m[k] = *v
		}
	}
	pub, err := whipclient.Dial(dctx, whipclient.Params{Server: *server, Token: *token, Call: *callID,
		Parties: parties, Agent: *meta["agent"], Meta: m})
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
