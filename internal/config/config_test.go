package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedenceFileEnvFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "u.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:7000\nlog_level: debug\nmax_calls: 5\nwebrtc:\n  loopback: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"--config", file, "--max-calls", "9"}, env(map[string]string{
		"UNDERTONE_ADDR": "127.0.0.1:7001", "UNDERTONE_TOKENS": "admin:abcdefgh12",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7001" || c.LogLevel != "debug" || c.MaxCalls != 9 || c.WebRTC.Loopback ||
		c.Tokens != "admin:abcdefgh12" || c.IdleTimeout != 30*time.Second {
		t.Fatalf("unexpected config %+v", c)
	}
}

func TestUnknownYAMLKeyIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "u.yaml")
	_ = os.WriteFile(file, []byte("adr: 127.0.0.1:7000\n"), 0o600)
	_, err := Load([]string{"--config", file}, env(nil), io.Discard)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "adr") {
		t.Fatalf("err = %v, want an ErrInvalid naming the unknown key", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	_, err := Load([]string{"--addr", "nonsense", "--log-level", "loud", "--idle-timeout", "1ms"}, env(nil), io.Discard)
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"addr", "log_level", "idle_timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

// pprof is off by default and turned on by the flag, the environment or the file.
func TestPprofSwitch(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want bool
	}{
		{nil, nil, false},
		{[]string{"--pprof"}, nil, true},
		{nil, map[string]string{"UNDERTONE_PPROF": "1"}, true},
		{[]string{"--pprof=false"}, map[string]string{"UNDERTONE_PPROF": "true"}, false},
	} {
		c, err := Load(tc.args, env(tc.env), io.Discard)
		if err != nil || c.Pprof != tc.want {
			t.Errorf("%v %v: pprof %v (%v), want %v", tc.args, tc.env, c.Pprof, err, tc.want)
		}
	}
	if _, err := Load(nil, env(map[string]string{"UNDERTONE_PPROF": "maybe"}), io.Discard); err == nil {
		t.Error("UNDERTONE_PPROF=maybe accepted")
	}
}
