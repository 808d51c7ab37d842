// Package cli holds the command-line conventions every undertone subcommand follows:
// flags may come before, between and after positional arguments ("--" ends them);
// -h/--help prints the command's usage and exits 0; an error is one line that says how
// to get the usage, never the usage twice.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Parse parses args with fs, flags anywhere, and returns the positional arguments. On
// -h/--help it prints usage (one or more lines) and the flags to w and returns
// flag.ErrHelp, which main turns into exit status 0. Any other error is one line:
// "undertone NAME: what is wrong (see undertone NAME -h)".
func Parse(fs *flag.FlagSet, args []string, usage string, w io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			PrintUsage(fs, usage, w)
			return nil, flag.ErrHelp
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v (see undertone %s -h)", fs.Name(), err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// PrintUsage writes the usage lines and the flags with their defaults.
func PrintUsage(fs *flag.FlagSet, usage string, w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(usage, "\n"))
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// Usage is an error for a command used wrongly (a missing or extra argument): one line
// that says how to get the usage.
func Usage(name, format string, a ...any) error {
	return fmt.Errorf("%s: %s (see undertone %s -h)", name, fmt.Sprintf(format, a...), name)
}
