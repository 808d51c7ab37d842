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

func TestHintSectors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "u.yaml")
	_ = os.WriteFile(file, []byte("hints:\n  sectors:\n    mobiel: telecom\n    Particulier: banking,insurance\n    \"*\": energy\n"), 0o600)
	c, err := Load([]string{"--config", file}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hints.Sectors["mobiel"] != "telecom" || c.Hints.Sectors["Particulier"] != "banking,insurance" || c.Hints.Sectors["*"] != "energy" {
		t.Errorf("sectors %v", c.Hints.Sectors)
	}
	_ = os.WriteFile(file, []byte("hints:\n  sectors:\n    mobiel: \" , \"\n"), 0o600)
	if _, err := Load([]string{"--config", file}, env(nil), io.Discard); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "hints.sectors") {
		t.Errorf("empty sector: err = %v", err)
	}
}
