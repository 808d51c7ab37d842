package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/undertone/undertone/internal/cli"
	"github.com/undertone/undertone/internal/emotion"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/intent"
)

const (
	trainUsage = `usage: undertone train --emotion --corpus DIR [flags]   (undertone train --emotion -h)
       undertone train --intent [flags]                 (undertone train --intent -h)`
	evalUsage = `usage: undertone eval --emotion --corpus DIR [flags]   (undertone eval --emotion -h)
       undertone eval --intent FILE.csv [--json]       (undertone eval --intent -h)
       undertone eval --hints FILE.json [--json]       (undertone eval --hints -h)`
)

// wantsHelp reports whether args ask for help without naming a model.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// runTrain routes `undertone train --emotion|--intent …` to the model's own trainer.
func runTrain(ctx context.Context, args []string, stdout io.Writer) error {
	kind, rest := modelKind(args)
	if kind == "" && wantsHelp(args) {
		fmt.Fprintln(stdout, trainUsage)
		return flag.ErrHelp
	}
	switch kind {
	case "--emotion":
		return emotion.TrainCommand(ctx, rest, stdout)
	case "--intent":
		return intent.TrainCommand(ctx, rest, stdout)
	default:
		return cli.Usage("train", "say what to train: --emotion or --intent")
	}
}

// runEval routes `undertone eval --emotion|--intent|--hints …`.
func runEval(ctx context.Context, args []string, stdout io.Writer) error {
	kind, rest := modelKind(args)
	if kind == "" && wantsHelp(args) {
		fmt.Fprintln(stdout, evalUsage)
		return flag.ErrHelp
	}
	switch kind {
	case "--emotion":
		return emotion.EvalCommand(ctx, rest, stdout)
	case "--intent":
		return intent.EvalCommand(ctx, rest, stdout)
	case "--hints":
		return hints.EvalCommand(ctx, rest, stdout)
	default:
		return cli.Usage("eval", "say what to evaluate: --emotion, --intent or --hints")
	}
}

// modelKind finds the first --emotion/--intent/--hints flag and returns the args without it.
func modelKind(args []string) (string, []string) {
	for i, a := range args {
		switch a {
		case "--emotion", "-emotion", "--intent", "-intent", "--hints", "-hints":
			if a[1] != '-' {
				a = "-" + a
			}
			return a, slices.Delete(slices.Clone(args), i, i+1)
		}
	}
	return "", args
}
