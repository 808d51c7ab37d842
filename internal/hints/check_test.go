package hints

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckShippedPlaybooks is `undertone playbook check models/playbooks/*.yaml`: every
// shipped sector passes.
func TestCheckShippedPlaybooks(t *testing.T) {
	files, _ := filepath.Glob("../../models/playbooks/*.yaml")
	if len(files) < 5 {
		t.Fatalf("want the five sector playbooks, found %v", files)
	}
	var out bytes.Buffer
	if err := CheckCommand(context.Background(), files, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, sector := range []string{"banking", "energy", "insurance", "public_services", "telecom"} {
		if !strings.Contains(out.String(), "playbook "+sector+",") {
			t.Errorf("no ok line for %s:\n%s", sector, out.String())
		}
	}
}

// TestCheckBrokenPlaybook: each mistake is reported on its own line with the line number
// where it sits, and the command fails.
func TestCheckBrokenPlaybook(t *testing.T) {
	f := filepath.Join("testdata", "broken.yaml")
	var out bytes.Buffer
	err := CheckCommand(context.Background(), []string{f, "../../models/playbooks/banking.yaml"}, &out)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "1 of 2 files invalid") {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{
		f + `:15: rule "typo_intent": when.intents: unknown intent "complaints"`,
		f + `:13: rule "typo_intent": hint.phrasing.en: missing`,
		f + `:13: rule "typo_intent": hint.priority: "urgent": want low, medium or high`,
		f + `:21: rule "fine": id already used by the rule at line 5`,
		f + `:23: rule "fine": when.emotion.top: unknown class "furious"`,
		f + `:24: rule "fine": when.dynamics: no condition`,
		"banking.yaml: ok",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckYAMLErrors(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ src, want string }{
		"unknown_field.yaml": {"playbook: x\nversion: 1\nrules:\n  - id: a\n    wen: {}\n", `unknown_field.yaml:5: unknown field "wen"`},
		"bad_yaml.yaml":      {"playbook: x\nrules: [\n", "bad_yaml.yaml:"},
		"empty.yaml":         {"", "empty.yaml: empty file"},
		"bad_duration.yaml":  {"playbook: x\nversion: 1\ndefaults:\n  cooldown: soon\n", `bad_duration.yaml:4: "soon" is not a duration`},
		"old_version.yaml":   {"playbook: x\nversion: 2\nrules: []\n", "old_version.yaml:1: version: 2: this engine reads version 1"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(c.src), 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := CheckCommand(context.Background(), []string{p}, &out); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: output %q lacks %q", name, out.String(), c.want)
		}
	}
	var out bytes.Buffer
	if err := CheckCommand(context.Background(), []string{filepath.Join(dir, "missing.yaml")}, &out); err == nil {
		t.Error("a missing file passed")
	}
}
