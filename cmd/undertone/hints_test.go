package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlaybookCheck: the subcommand is routed; the shipped playbooks pass (exit 0) and a
// broken one fails (main exits 1 on the error) with line-numbered problems.
func TestPlaybookCheck(t *testing.T) {
	ctx := context.Background()
	files, _ := filepath.Glob("../../models/playbooks/*.yaml")
	var out, errOut bytes.Buffer
	if err := run(ctx, append([]string{"playbook", "check"}, files...), &out, &errOut); err != nil || len(files) < 5 {
		t.Fatalf("shipped playbooks (%d files): %v\n%s", len(files), err, out.String())
	}
	out.Reset()
	broken := "../../internal/hints/testdata/broken.yaml"
	if err := run(ctx, []string{"playbook", "check", broken}, &out, &errOut); err == nil {
		t.Fatal("broken playbook accepted")
	}
	if !strings.Contains(out.String(), broken+`:15: rule "typo_intent"`) {
		t.Errorf("no line-numbered problem:\n%s", out.String())
	}
	if err := run(ctx, []string{"playbook", "lint"}, &out, &errOut); err == nil {
		t.Error("unknown playbook subcommand accepted")
	}
}

// TestEvalRouting: `eval --intent FILE --json` and `eval --hints FILE --json` reach their
// packages with the flags after the file.
func TestEvalRouting(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"eval", "--intent", "../../models/intent/test_en.csv", "--json"}, &out, &errOut); err != nil ||
		!strings.Contains(out.String(), `"en":{"n":`) || !strings.Contains(out.String(), `"need_micro_f1"`) {
		t.Errorf("eval --intent: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"eval", "--hints", "../../internal/hints/testdata/eval_own.json", "--json"}, &out, &errOut); err != nil ||
		!strings.Contains(out.String(), `"need_recall"`) || !strings.Contains(out.String(), `"false_alarm_calls"`) {
		t.Errorf("eval --hints: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"eval", "--speech"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--hints") {
		t.Errorf("unknown eval kind: %v", err)
	}
}
