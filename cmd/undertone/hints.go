package main

import (
	"context"
	"fmt"
	"io"

	"github.com/undertone/undertone/internal/hints"
)

// runPlaybook runs `undertone playbook check FILE|DIR…`: it validates hint playbooks
// before they ship, printing each problem as FILE:LINE (exit 1 when any is invalid).
func runPlaybook(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stdout, "usage: undertone playbook check FILE.yaml|DIR ...")
		return fmt.Errorf("playbook: want the subcommand check")
	}
	return hints.CheckCommand(ctx, args[1:], stdout)
}
