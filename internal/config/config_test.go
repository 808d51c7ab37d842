package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// load calls Load the way serve's command line does (cmd/undertone/serveflags.go): a
// --config path and flag values applied over the file and the environment. Only the
// flags these tests use are known here.
func load(args []string, getenv func(string) string, _ io.Writer) (Config, error) {
	var path string
	var set []func(*Config)
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch args[i] {
		case "--config":
			path = v
		case "--addr":
			set = append(set, func(c *Config) { c.Addr = v })
		case "--log-level":
			set = append(set, func(c *Config) { c.LogLevel = v })
		case "--max-calls":
			n, _ := strconv.Atoi(v)
			set = append(set, func(c *Config) { c.MaxCalls = n })
		case "--idle-timeout":
			d, _ := time.ParseDuration(v)
			set = append(set, func(c *Config) { c.IdleTimeout = d })
		case "--asr":
			set = append(set, func(c *Config) { c.ASR = v })
		case "--asr-url":
			set = append(set, func(c *Config) { c.ASROpenAI.URL = v })
		case "--asr-model":
			set = append(set, func(c *Config) { c.ASROpenAI.Model = v })
		case "--language":
			set = append(set, func(c *Config) { c.Language = v })
		case "--pprof":
			set = append(set, func(c *Config) { c.Pprof = v == "true" })
		default:
			panic("load: unknown test flag " + args[i])
		}
	}
	return Load(path, getenv, set...)
}

func TestPrecedenceFileEnvFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "u.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:7000\nlog_level: debug\nmax_calls: 5\nwebrtc:\n  loopback: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load([]string{"--config", file, "--max-calls", "9"}, env(map[string]string{
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
	_, err := load([]string{"--config", file}, env(nil), io.Discard)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "adr") {
		t.Fatalf("err = %v, want an ErrInvalid naming the unknown key", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	_, err := load([]string{"--addr", "nonsense", "--log-level", "loud", "--idle-timeout", "1ms"}, env(nil), io.Discard)
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
	c, err := load([]string{"--config", file}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hints.Sectors["mobiel"] != "telecom" || c.Hints.Sectors["Particulier"] != "banking,insurance" || c.Hints.Sectors["*"] != "energy" {
		t.Errorf("sectors %v", c.Hints.Sectors)
	}
	_ = os.WriteFile(file, []byte("hints:\n  sectors:\n    mobiel: \" , \"\n"), 0o600)
	if _, err := load([]string{"--config", file}, env(nil), io.Discard); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "hints.sectors") {
		t.Errorf("empty sector: err = %v", err)
	}
}

// What a container sets through its environment: the published port ranges, the
// address browsers and SBCs reach it at, and who may send it SIP and AudioSocket.
func TestContainerEnvironment(t *testing.T) {
	c, err := load(nil, env(map[string]string{
		"UNDERTONE_WEBRTC_UDP_PORTS": "40000-40099", "UNDERTONE_SIP_RTP_PORTS": "30000-30199",
		"UNDERTONE_WEBRTC_NAT_IPS": "203.0.113.7", "UNDERTONE_SIP_MEDIA_IP": "203.0.113.7",
		"UNDERTONE_SIP_ALLOW_FROM": "10.0.0.0/8,192.0.2.4", "UNDERTONE_AUDIOSOCKET_ALLOW": "10.1.2.3",
	}), io.Discard)
	if err != nil || c.WebRTC.UDPPortMin != 40000 || c.WebRTC.UDPPortMax != 40099 || c.Telephony.SIPRTPPortMax != 30199 ||
		c.WebRTC.NAT1To1IPs[0] != "203.0.113.7" || len(c.Telephony.SIPAllowFrom) != 2 || c.Telephony.AudioSocketAllow[0] != "10.1.2.3" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := load(nil, env(map[string]string{"UNDERTONE_WEBRTC_UDP_PORTS": "40000"}), io.Discard); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad range: %v", err)
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
		{[]string{"--pprof", "true"}, nil, true},
		{nil, map[string]string{"UNDERTONE_PPROF": "1"}, true},
		{[]string{"--pprof", "false"}, map[string]string{"UNDERTONE_PPROF": "true"}, false},
	} {
		c, err := load(tc.args, env(tc.env), io.Discard)
		if err != nil || c.Pprof != tc.want {
			t.Errorf("%v %v: pprof %v (%v), want %v", tc.args, tc.env, c.Pprof, err, tc.want)
		}
	}
	if _, err := load(nil, env(map[string]string{"UNDERTONE_PPROF": "maybe"}), io.Discard); err == nil {
		t.Error("UNDERTONE_PPROF=maybe accepted")
	}
}
