package siprec_test

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/server/servertest"
)

// With sip_require_token an INVITE needs an integrator's X-Undertone-Token (none or a bad
// one: 403), and that integrator's calls count against max_calls_per_token like its WHIP,
// Twilio and AudioHook calls (over it: 503 Retry-After); a hangup frees the place.
func TestTokenAndPerIntegratorLimit(t *testing.T) {
	n := servertest.New(t, enable, func(c *config.Config) {
		c.Telephony.SIPRequireToken = true
		c.Telephony.MaxCallsPerToken = 1
	})
	addr := n.SIP.Addr()
	if res := rawInvite(t, addr, "application/sdp", goodSDP); res.StatusCode != 403 {
		t.Errorf("INVITE without a token: %d, want 403", res.StatusCode)
	}
	if res := rawInvite(t, addr, "application/sdp", goodSDP, sip.NewHeader(siprec.HeaderToken, "wrong-token-xyz")); res.StatusCode != 403 {
		t.Errorf("INVITE with a bad token: %d, want 403", res.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok := map[string]string{siprec.HeaderToken: servertest.IntegratorToken}
	p, err := dial(ctx, n, "udp", 1, tok)
	if err != nil {
		t.Fatalf("INVITE with the integrator token: %v", err)
	}
	if !n.WaitCall(p.id, 5*time.Second) {
		t.Fatal("call not opened")
	}
	res := rawInvite(t, addr, "application/sdp", goodSDP, sip.NewHeader(siprec.HeaderToken, servertest.IntegratorToken))
	if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Errorf("second call of a token limited to 1: %d, want 503 with Retry-After", res.StatusCode)
	}
	// The admin token is not an integrator's: not limited.
	if a, err := dial(ctx, n, "udp", 1, map[string]string{siprec.HeaderToken: servertest.AdminToken}); err != nil {
		t.Errorf("admin token: %v", err)
	} else {
		_ = a.Hangup(ctx)
	}
	if err := p.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		q, err := dial(ctx, n, "udp", 1, tok)
		if err == nil {
			_ = q.Hangup(ctx)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the first call hung up the integrator still cannot call: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
