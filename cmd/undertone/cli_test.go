package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command line behaves as people expect: -h/--help and --version at the top, -h on
// every subcommand (exit 0), flags after file arguments, one line per error (never the
// usage twice), and token on a missing data dir is an error, not a new empty store.
func TestCommandLineConventions(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	reset := func() { out.Reset(); errb.Reset() }
	for _, a := range []string{"-h", "--help", "help"} {
		reset()
		if err := run(ctx, []string{a}, &out, &errb); err != nil || !strings.Contains(out.String(), "undertone replay") {
			t.Errorf("%s: %v, printed %q", a, err, out.String())
		}
	}
	reset()
	if err := run(ctx, []string{"--version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "undertone ") {
		t.Errorf("--version: %v %q", err, out.String())
	}
	for _, args := range [][]string{{"eval", "-h"}, {"train", "-h"}, {"replay", "-h"}, {"watch", "--help"}, {"loadgen", "-h"},
		{"token", "-h"}, {"serve", "-h"}, {"eval", "--intent", "-h"}} {
		reset()
		if err := run(ctx, args, &out, &errb); !errors.Is(err, flag.ErrHelp) || out.Len()+errb.Len() == 0 {
			t.Errorf("%v: %v (want flag.ErrHelp, exit 0, and a usage)", args, err)
		}
	}
	// Flags after the positional file: the WAV is read (and found missing), so the flags parsed.
	reset()
	err := run(ctx, []string{"replay", "no-such.wav", "--server", "http://127.0.0.1:1", "--token", "x", "--lang", "nl"}, &out, &errb)
	if err == nil || strings.Contains(err.Error(), "flag") || !strings.Contains(err.Error(), "no-such.wav") {
		t.Errorf("replay FILE --flags: %v", err)
	}
	// One line per error, nothing printed besides.
	for _, args := range [][]string{{"replay", "--nope"}, {"replay"}, {"serve", "--nope"}, {"frobnicate"}, {"eval"}, {"token", "list", "extra"}} {
		reset()
		err := run(ctx, args, &out, &errb)
		if err == nil || strings.Contains(err.Error(), "\n") || errb.Len() != 0 || !strings.Contains(err.Error(), "-h)") {
			t.Errorf("%v: err %q, printed %q; want one line that points to -h", args, err, errb.String())
		}
	}
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	reset()
	if err := run(ctx, []string{"token", "list", "--data-dir", missing}, &out, &errb); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("token on a missing data dir: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("token created the missing data dir")
	}
}
