package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tokens the test server accepts: the softphone publishes with the integrator's, the pages
// read with the agent's, the wallboard with the supervisor's.
const (
	integratorToken = "e2e-integrator-token"
	agentToken      = "e2e-agent-token"
	adminToken      = "e2e-admin-token"
	supervisorToken = "e2e-supervisor-token"
	// Agent tokens bound to one agent each (the desk follows the token's agent) and a
	// supervisor of team red only (the wallboard's team scope).
	agentA17Token      = "e2e-agent-a17-token"
	agentB02Token      = "e2e-agent-b02-token"
	supervisorRedToken = "e2e-supervisor-red-token"
)

// binPath is the undertone binary TestMain built (or $UNDERTONE_BIN); buildErr says why not.
var (
	binPath  string
	buildErr error
)

// repoRoot walks up from the test's directory to the go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("e2e: no go.mod above the test directory")
		}
		dir = parent
	}
}

// buildBinary builds ./cmd/undertone into dir.
func buildBinary(dir string) (string, error) {
	if p := os.Getenv("UNDERTONE_BIN"); p != "" {
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "undertone")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/undertone")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("e2e: go build ./cmd/undertone: %w\n%s", err, b)
	}
	return out, nil
}

// server is one undertone serve process on a free loopback port.
type server struct {
	URL  string
	Stop func() // SIGINT and wait (cleanup calls it too); safe twice
	cmd  *exec.Cmd
	log  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startServer runs the binary with a temp data dir (and args, e.g. --config) and waits
// for /readyz. It stops the process with SIGTERM (then SIGKILL) at cleanup and logs its
// output when the test failed.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	addr := freePort(t)
	s := &server{URL: "http://" + addr, log: &lockedBuffer{}}
	s.cmd = exec.Command(binPath, append([]string{"serve", "--addr", addr, "--data-dir", t.TempDir()}, args...)...)
	s.cmd.Env = append(os.Environ(),
		"UNDERTONE_TOKENS=integrator:"+integratorToken+",agent:"+agentToken+",admin:"+adminToken+",supervisor:"+supervisorToken+
			",agent:"+agentA17Token+":A17,agent:"+agentB02Token+":B02,supervisor:"+supervisorRedToken+"::red",
		"UNDERTONE_LOG_LEVEL=debug")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	s.Stop = sync.OnceFunc(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-exited
			t.Errorf("undertone did not stop within 15 s of SIGINT")
		}
		if t.Failed() {
			t.Logf("undertone output:\n%s", tail(s.log.String(), 8000))
		}
	})
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("undertone exited before it was ready: %v\n%s", err, s.log.String())
		default:
		}
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("undertone not ready within 30 s (last: %v)\n%s", err, s.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// speechWAV makes a 48 kHz mono 16-bit WAV of English speech with espeak-ng and sox: 1.5 s
// of leading silence (Chromium starts the fake capture at getUserMedia time), then the
// sentences twice.
func speechWAV(ctx context.Context, t *testing.T, dir string) string {
	t.Helper()
	raw := filepath.Join(dir, "espeak.wav")
	out := filepath.Join(dir, "speech-48k.wav")
	text := "Hello, I am calling about my invoice. It is much higher than last month, " +
		"and nobody has explained why. Could you please look into it for me today?"
	run := func(name string, args ...string) {
		cmd := exec.CommandContext(ctx, name, args...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
		}
	}
	run("espeak-ng", "-v", "en", "-s", "150", "-p", "45", "-w", raw, text)
	run("sox", raw, "-r", "48000", "-c", "1", "-b", "16", out, "pad", "1.5", "0.5", "repeat", "1")
	return out
}
