// Command undertone is the real-time speech emotion analytics and agent-assist server,
// and its tools. main only parses the subcommand, wires signals and exits; each
// subcommand lives in its own file with a Run function that tests can call.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `undertone — real-time speech emotion analytics and agent assist

Usage:
  undertone [serve] [flags]                  run the server (default)
  undertone replay FILE.wav --server URL --token T [--call ID] [--lang nl] [--agent A17]
                    [--team T] [--queue Q] [--playbook telecom]
                                             publish a WAV file as a live call over WHIP
  undertone loadgen --server URL --token T --calls N [--codec pcmu|opus] FILE.wav | --speech DIR
                                             N concurrent replayed calls, with latency figures
  undertone watch --server URL --token T [--call ID] [--types emotion,hint]
                                             print a call's events as JSON lines
  undertone token create --role agent --agent A17 [--team T] [--expires 720h]
                                             print a new API token once (token list, token revoke ID)
  undertone train --emotion --corpus DIR [--folds K] --out FILE
                                             train a model on a corpus (see models/*.md)
  undertone eval --emotion --corpus DIR [--model FILE] [--telephone] [--json]
                                             evaluate a model speaker-independently
  undertone eval --intent FILE.csv [--json]  score the intent model on labelled lines
  undertone eval --hints FILE.json [--json] [--sectors queue=playbook,...]
                                             score hints on scripted calls (transcript → intent → hint)
  undertone playbook check FILE.yaml|DIR ...
                                             validate hint playbooks (line-numbered errors)
  undertone version | --version

Run "undertone COMMAND -h" for a command's flags. Flags may come before or after a
command's file arguments.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signalContext()
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "undertone:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, usage)
			return nil
		case "-version", "--version", "version":
			fmt.Fprintln(stdout, "undertone", version)
			return nil
		}
		if len(args[0]) > 0 && args[0][0] != '-' {
			cmd, args = args[0], args[1:]
		}
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, stdout, stderr)
	case "replay":
		return runReplay(ctx, args, stdout, stderr)
	case "loadgen":
		return runLoadgen(ctx, args, stdout, stderr)
	case "watch":
		return runWatch(ctx, args, stdout, stderr)
	case "token":
		return runToken(ctx, args, stdout, stderr)
	case "train":
		return runTrain(ctx, args, stdout)
	case "eval":
		return runEval(ctx, args, stdout)
	case "playbook":
		return runPlaybook(ctx, args, stdout)
	}
	return fmt.Errorf("unknown command %q (see undertone -h)", cmd)
}

// signalContext is cancelled by the first SIGINT/SIGTERM (graceful drain); a second
// signal exits at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ch
		cancel()
		<-ch
		fmt.Fprintln(os.Stderr, "undertone: second signal, exiting without draining")
		os.Exit(2)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}
