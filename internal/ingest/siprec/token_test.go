package siprec_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
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

// Secure by default: with no allow-list an INVITE without a token is refused (it once got
// 200 OK and could join a live call, pick any agent and bypass every limit); a token
// works; metadata headers are length- and charset-checked; and an INVITE that names a
// call another integrator opened cannot join it.
func TestSIPSecureByDefault(t *testing.T) {
	n := servertest.New(t, func(c *config.Config) { c.SIPAddr = "127.0.0.1:0" })
	addr := n.SIP.Addr()
	if res := rawInvite(t, addr, "application/sdp", goodSDP); res.StatusCode != 403 {
		t.Fatalf("INVITE without a token or allow-list: %d, want 403", res.StatusCode)
	}
	tok := sip.NewHeader(siprec.HeaderToken, servertest.IntegratorToken)
	for _, c := range []struct {
		name string
		h    sip.Header
	}{
		{"5 kB agent", sip.NewHeader(siprec.HeaderAgent, strings.Repeat("A", 5000))},
		{"agent with markup", sip.NewHeader(siprec.HeaderAgent, "<script>x</script>")},
		{"bad language tag", sip.NewHeader(siprec.HeaderLang, "dutch!!")},
	} {
		if res := rawInvite(t, addr, "application/sdp", goodSDP, tok, c.h); res.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", c.name, res.StatusCode)
		}
	}
	// A live call of another integrator (over WHIP) cannot be joined over SIP.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: servertest.OtherIntegratorToken,
		Call: "whip-live", Parties: []event.Party{event.Customer}})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close(ctx)
	res := rawInvite(t, addr, "application/sdp", goodSDP, tok, sip.NewHeader(siprec.HeaderCall, "whip-live"),
		sip.NewHeader(siprec.HeaderParty, "agent"))
	if res.StatusCode != 403 {
		t.Errorf("INVITE joining another integrator's call: %d, want 403", res.StatusCode)
	}
	if in, _ := n.Registry.Lookup("whip-live"); len(in.Parties) > 1 {
		t.Errorf("the WHIP call got a SIP party: %+v", in.Parties)
	}
	if l := n.Registry.Live(); l != 1 {
		t.Errorf("%d calls live, want the WHIP call only", l)
	}
}
