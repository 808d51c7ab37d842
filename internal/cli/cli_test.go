package cli

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

func TestParseFlagsAnywhere(t *testing.T) {
	for _, c := range []struct {
		args []string
		pos  []string
		json bool
	}{
		{[]string{"a.csv", "--json"}, []string{"a.csv"}, true},
		{[]string{"--json", "a.csv"}, []string{"a.csv"}, true},
		{[]string{"a.csv", "b.csv", "-n", "3", "--json"}, []string{"a.csv", "b.csv"}, true},
		{[]string{"--", "-odd-file.csv"}, []string{"-odd-file.csv"}, false},
	} {
		fs := flag.NewFlagSet("eval", flag.ContinueOnError)
		j := fs.Bool("json", false, "")
		fs.Int("n", 1, "")
		pos, err := Parse(fs, c.args, "usage: undertone eval FILE", nil)
		if err != nil || !slices.Equal(pos, c.pos) || *j != c.json {
			t.Errorf("%v: pos %v json %v err %v", c.args, pos, *j, err)
		}
	}
}

// -h prints the usage once and is flag.ErrHelp (exit 0); a bad flag is one line that
// says how to get help, and nothing is printed.
func TestHelpAndErrors(t *testing.T) {
	var w bytes.Buffer
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.String("server", "", "base URL")
	if _, err := Parse(fs, []string{"x.wav", "-h"}, "usage: undertone replay FILE.wav", &w); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if out := w.String(); strings.Count(out, "usage:") != 1 || !strings.Contains(out, "-server") {
		t.Errorf("help printed %q", out)
	}
	w.Reset()
	_, err := Parse(fs, []string{"--nope"}, "usage", &w)
	if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "undertone replay -h") || w.Len() != 0 {
		t.Errorf("bad flag: %v, printed %q", err, w.String())
	}
}
