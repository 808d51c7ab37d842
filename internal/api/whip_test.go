package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

// addQuery is a client transport that adds team and queue to WHIP offers, as a contact
// centre integration would.
type addQuery struct{ team, queue string }

func (a addQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost {
		q := r.URL.Query()
		q.Set("team", a.team)
		q.Set("queue", a.queue)
		r.URL.RawQuery = q.Encode()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// An integrator token may hold one call at a time here: a second call is refused with
// 429, a second party joining its own call is not, and the slot frees when the call ends.
// The WHIP query's agent, team and queue reach the call, and so its scope.
func TestWHIPPerIntegratorCallLimit(t *testing.T) {
	n := newNode(t, func(p *Params) { p.Calls = auth.NewCallLimiter(1) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(id string, party event.Party) (*whipclient.Publisher, error) {
		return whipclient.Dial(ctx, whipclient.Params{Server: n.srv.URL, Token: integratorTok, Call: id,
			Parties: []event.Party{party}, Agent: "A17", HTTP: &http.Client{Transport: addQuery{"red", "billing"}}})
	}
	first, err := dial("w1", event.Customer)
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := n.reg.Lookup("w1"); !ok || in.Agent != "A17" || in.Team != "red" || in.Queue != "billing" {
		t.Fatalf("call from the WHIP query: %+v", in)
	}
	if code, _ := n.get("/v1/calls/w1", "sup-blue"); code != 403 {
		t.Errorf("supervisor of blue on a red WHIP call: %d", code)
	}
	agentLeg, err := dial("w1", event.Agent)
	if err != nil {
		t.Fatalf("second party of the token's own call refused: %v", err)
	}
	if _, err := dial("w2", event.Customer); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("second call over the limit: %v, want 429", err)
	}
	// A rejected offer gives its reservation back.
	if code, _, _ := n.do(http.MethodPost, "/v1/whip", "integrator", "application/sdp", "v=0"); code != 429 {
		t.Errorf("bad offer while at the limit: %d, want 429", code)
	}
	_ = agentLeg.Close(ctx)
	_ = first.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for n.api.p.Calls.Open(auth.Principal{Role: auth.Integrator, Name: "integrator#1"}) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the ended call still counts against the token")
		}
		time.Sleep(50 * time.Millisecond)
	}
	third, err := dial("w3", event.Customer)
	if err != nil {
		t.Fatalf("after the first call ended: %v", err)
	}
	_ = third.Close(ctx)
	// Admins are not limited; a bad offer from them is a plain 400.
	if code, _, _ := n.do(http.MethodPost, "/v1/whip?team="+strings.Repeat("t", 65), "admin", "application/sdp", "v=0"); code != 400 {
		t.Errorf("over-long team: %d, want 400", code)
	}
}
