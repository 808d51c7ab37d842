package main

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store/sqlite"
	"github.com/undertone/undertone/internal/whipclient"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, base string) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server not ready in 20 s")
}

// TestServeDrainsCallsOnShutdown runs the real serve command, publishes a call, then
// cancels the command's context the way the first SIGTERM does: the call must end with
// reason "shutdown" and its summary must be in the SQLite file when serve returns.
func TestServeDrainsCallsOnShutdown(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	t.Setenv("UNDERTONE_TOKENS", "admin:drain-test-token")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir}, &stdout, &stderr) }()
	waitReady(t, base)

	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pcancel()
	pub, err := whipclient.Dial(pctx, whipclient.Params{Server: base, Token: "drain-test-token",
		Call: "drain-1", Parties: []event.Party{event.Customer}})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close(context.Background())
	audio := make([]int16, 10*whipclient.Rate)
	for i := range audio {
		audio[i] = int16(6000 * math.Sin(2*math.Pi*180*float64(i)/whipclient.Rate))
	}
	go func() { _ = pub.Play(pctx, [][]int16{audio}, nil) }()
	time.Sleep(1500 * time.Millisecond)

	cancel() // first SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not drain within 30 s")
	}
	pcancel()
	if !strings.Contains(stdout.String(), base) {
		t.Errorf("serve did not print its URL: %q", stdout.String())
	}

	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "undertone.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.GetCall(context.Background(), "drain-1")
	if err != nil {
		t.Fatalf("call not stored: %v\n%s", err, stderr.String())
	}
	if c.State != "ended" || c.Reason != "shutdown" || c.Summary == nil {
		t.Fatalf("stored call %+v, want ended/shutdown with a summary", c)
	}
	if ms := c.Summary.Parties[event.Customer].MediaS; ms < 1 {
		t.Fatalf("summary media_s %.2f, want ≥ 1 s of audio", ms)
	}
}

func TestUnknownCommandAndBadConfig(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errb); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(context.Background(), []string{"serve", "--addr", "nope"}, &out, &errb); err == nil ||
		!strings.Contains(err.Error(), "addr") {
		t.Fatalf("bad addr: %v", err)
	}
}
