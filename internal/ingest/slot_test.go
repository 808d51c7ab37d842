package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// One integrator token's concurrent-call limit counts its calls over every
// token-authenticated protocol together: with a limit of 1, a live Twilio stream makes the
// same token's AudioHook session and WHIP offer wait (429), and its end frees the slot.
func TestCallLimitAcrossProtocols(t *testing.T) {
	if testing.Short() {
		t.Skip("real node")
	}
	n := servertest.New(t, func(c *config.Config) { c.Telephony.MaxCallsPerToken = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := "ws" + strings.TrimPrefix(n.URL(), "http")

	tw, err := twilio.Dial(ctx, ws+"/v1/media/twilio", servertest.IntegratorToken)
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	if err := tw.Start("CAlimit", "MZlimit", []string{"inbound"}, map[string]string{"call": "limit-twilio"}); err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall("limit-twilio", 5*time.Second) {
		t.Fatal("twilio call not opened")
	}

	if _, err := audiohook.Dial(ctx, audiohook.ClientParams{URL: ws + "/v1/media/audiohook", APIKey: servertest.IntegratorToken}); err == nil ||
		!strings.Contains(err.Error(), "429") {
		t.Errorf("audiohook over the limit: err = %v, want 429", err)
	}
	_, err = whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: servertest.IntegratorToken, Call: "limit-whip",
		Parties: []event.Party{event.Customer}})
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Errorf("whip over the limit: err = %v, want 429", err)
	}
	// The admin token is not an integrator: not limited.
	ah, err := audiohook.Dial(ctx, audiohook.ClientParams{URL: ws + "/v1/media/audiohook", APIKey: servertest.AdminToken})
	if err != nil {
		t.Errorf("admin audiohook: %v", err)
	} else {
		ah.Drop()
	}

	_ = tw.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for n.CallLimiter().Open(integrator(t, n)) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	ah, err = audiohook.Dial(ctx, audiohook.ClientParams{URL: ws + "/v1/media/audiohook", APIKey: servertest.IntegratorToken})
	if err != nil {
		t.Fatalf("audiohook after the twilio call ended: %v", err)
	}
	ah.Drop()
}

// A nil limiter never refuses; Release is safe before Hold and twice.
func TestSlotWithoutLimiter(t *testing.T) {
	s, err := ingest.Reserve(nil, auth.Principal{Role: auth.Integrator, Name: "x"}, "")
	if err != nil {
		t.Fatal(err)
	}
	s.Release()
	s.Release()
	l := auth.NewCallLimiter(1)
	p := auth.Principal{Role: auth.Integrator, Name: "i"}
	a, err := ingest.Reserve(l, p, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Reserve(l, p, ""); err == nil {
		t.Error("second reservation over a limit of 1 accepted")
	}
	a.Release() // never held: the reservation is given back
	b, err := ingest.Reserve(l, p, "")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	b.Hold("c1")
	if l.Open(p) != 1 {
		t.Errorf("open = %d, want 1", l.Open(p))
	}
	b.Release()
	b.Hold("c1") // after release: ignored
	if l.Open(p) != 0 {
		t.Errorf("open after release = %d, want 0", l.Open(p))
	}
}

// integrator is the principal of the test integrator token.
func integrator(t *testing.T, n *servertest.Node) auth.Principal {
	p, err := n.Auth.Authenticate(servertest.IntegratorToken)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
