package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/undertone/undertone/internal/emotion"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/intent"
)

// runTrain routes `undertone train --emotion|--intent …` to the model's own trainer.
func runTrain(ctx context.Context, args []string, stdout io.Writer) error {
	switch kind, rest := modelKind(args); kind {
	case "--emotion":
		return emotion.TrainCommand(ctx, rest, stdout)
	case "--intent":
		return intent.TrainCommand(ctx, rest, stdout)
	default:
		return fmt.Errorf("train: say what to train: --emotion or --intent")
	}
}

// runEval routes `undertone eval --emotion|--intent …`.
func runEval(ctx context.Context, args []string, stdout io.Writer) error {
	switch kind, rest := modelKind(args); kind {
	case "--emotion":
		return emotion.EvalCommand(ctx, rest, stdout)
	case "--intent":
		return intent.EvalCommand(ctx, rest, stdout)
	case "--hints":
		return hints.EvalCommand(ctx, rest, stdout)
	default:
		return fmt.Errorf("eval: say what to evaluate: --emotion, --intent or --hints")
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
