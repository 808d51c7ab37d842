package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

// TestServeTeamScopeAfterTheCall: once a call has ended it is served from the store, and
// the store's copy must still carry its team, or a supervisor of another team could read
// it (and its own team's supervisor could not).
func TestServeTeamScopeAfterTheCall(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	t.Setenv("UNDERTONE_TOKENS", "integrator:scope-integrator,supervisor:scope-red::red,supervisor:scope-blue::blue")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--asr", "none"}, &stdout, &stderr)
	}()
	waitReady(t, base)
	defer func() { cancel(); <-done }()

	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pcancel()
	pub, err := whipclient.Dial(pctx, whipclient.Params{Server: base, Token: "scope-integrator", Call: "scope-1",
		Meta: map[string]string{"team": "blue"}, Parties: []event.Party{event.Customer}})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Play(pctx, [][]int16{make([]int16, whipclient.Rate/2)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := pub.Close(pctx); err != nil {
		t.Fatal(err)
	}
	status := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/calls/scope-1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// Wait until the call has ended and been written.
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/calls?state=ended", nil)
		req.Header.Set("Authorization", "Bearer scope-blue")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b [4096]byte
		n, _ := res.Body.Read(b[:])
		res.Body.Close()
		if res.StatusCode == 200 && strings.Contains(string(b[:n]), "scope-1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call never showed as ended for its team's supervisor: %s %s", res.Status, b[:n])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := status("scope-blue"); got != http.StatusOK {
		t.Errorf("blue supervisor on blue's ended call: %d, want 200", got)
	}
	if got := status("scope-red"); got != http.StatusForbidden {
		t.Errorf("red supervisor on blue's ended call: %d, want 403", got)
	}
}
