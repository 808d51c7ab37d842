package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// `undertone watch --call ID` started before the call exists waits for it and prints
// its events from call.started to call.ended (it once failed with 404).
func TestWatchBeforeTheCallStarts(t *testing.T) {
	n := servertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"watch", "--server", n.URL(), "--token", servertest.AgentToken, "--call", "watch-early"}, &out, &errOut)
	}()
	time.Sleep(300 * time.Millisecond)
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: servertest.IntegratorToken,
		Call: "watch-early", Parties: []event.Party{event.Customer}, Agent: "A17"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Play(ctx, [][]int16{servertest.Tone(220, 1)}, nil); err != nil {
		t.Fatal(err)
	}
	_ = pub.Close(ctx)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("watch: %v (%s)", err, errOut.String())
		}
	case <-ctx.Done():
		t.Fatal("watch did not return after call.ended")
	}
	s := out.String()
	if !strings.Contains(s, `"type":"call.started"`) || !strings.Contains(s, `"type":"level"`) || !strings.Contains(s, `"type":"call.ended"`) {
		t.Errorf("watch printed:\n%.500s", s)
	}
}
