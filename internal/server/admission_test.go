package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server/servertest"
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

func do(t *testing.T, n *servertest.Node, method, path, token, ctype, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, n.URL()+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// An integrator token may hold one call at a time here: a second call is refused with
// 429, a second party joining its own call is not, and the slot frees when the call ends.
// The WHIP query's agent, team and queue reach the call, and so its scope.
func TestWHIPPerIntegratorCallLimit(t *testing.T) {
	n := servertest.New(t, func(c *config.Config) { c.Telephony.MaxCallsPerToken = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(id string, party event.Party) (*whipclient.Publisher, error) {
		return whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: integratorTok, Call: id,
			Parties: []event.Party{party}, Agent: "A17", HTTP: &http.Client{Transport: addQuery{"red", "billing"}}})
	}
	first, err := dial("w1", event.Customer)
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := n.Registry.Lookup("w1"); !ok || in.Agent != "A17" || in.Team != "red" || in.Queue != "billing" {
		t.Fatalf("call from the WHIP query: %+v", in)
	}
	if code, _ := do(t, n, "GET", "/v1/calls/w1", servertest.BlueToken, "", ""); code != 403 {
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
	if code, _ := do(t, n, http.MethodPost, "/v1/whip", integratorTok, "application/sdp", "v=0"); code != 400 {
		t.Errorf("bad offer while at the limit: %d, want 400 (the offer is checked first)", code)
	}
	_ = agentLeg.Close(ctx)
	_ = first.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		third, err := dial("w3", event.Customer)
		if err == nil {
			_ = third.Close(ctx)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ended call still counts against the token: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Admins are not limited; a bad offer from them is a plain 400.
	if code, _ := do(t, n, http.MethodPost, "/v1/whip?team="+strings.Repeat("t", 65), adminTok, "application/sdp", "v=0"); code != 400 {
		t.Errorf("over-long team: %d, want 400", code)
	}
}

// A call belongs to the integrator that opened it: another integrator can neither add a
// party, push a transcript nor DELETE its session; and the id of an ended call can never
// be opened again, so its stored history cannot be taken over (it once moved to the
// newcomer's agent and team).
func TestCallCannotBeTakenOver(t *testing.T) {
	n := servertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: integratorTok, Call: "owned",
		Parties: []event.Party{event.Customer}, Agent: "A17"})
	if err != nil {
		t.Fatal(err)
	}
	other := servertest.OtherIntegratorToken
	if _, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: other, Call: "owned",
		Parties: []event.Party{event.Agent}}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("second integrator joined the call: %v, want 403", err)
	}
	body := `{"party":"agent","start":0.5,"end":1.5,"text":"I will transfer you now","final":true}`
	if code, msg := do(t, n, "POST", "/v1/calls/owned/transcript", other, "application/json", body); code != 403 {
		t.Errorf("second integrator pushed a transcript: %d %s, want 403", code, msg)
	}
	if code, _ := do(t, n, "POST", "/v1/calls/owned/transcript", integratorTok, "application/json", body); code != 202 {
		t.Errorf("the owner's transcript: %d, want 202", code)
	}
	loc := strings.TrimPrefix(pub.Location(), n.URL())
	if code, _ := do(t, n, "DELETE", loc, other, "", ""); code != 404 {
		t.Errorf("second integrator's DELETE of the session: %d, want 404", code)
	}
	if n.Registry.Get("owned") == nil {
		t.Fatal("the call ended after another integrator's DELETE")
	}
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.Registry.Get("owned") != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	before, err := n.Stored("owned")
	if err != nil || before.State != "ended" {
		t.Fatalf("stored: %+v %v", before, err)
	}
	// The same id again, from another integrator and from the owner: 409, and the stored
	// call is untouched.
	for _, tok := range []string{other, integratorTok} {
		_, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: tok, Call: "owned",
			Parties: []event.Party{event.Customer}, Agent: "B99"})
		if err == nil || !strings.Contains(err.Error(), "409") {
			t.Errorf("reused call id: %v, want 409", err)
		}
	}
	after, err := n.Stored("owned")
	if err != nil || after.Agent != "A17" || !after.StartedAt.Equal(before.StartedAt) || after.State != "ended" {
		t.Errorf("stored call changed by a refused reuse: %+v, %v", after, err)
	}
	if n.Registry.Live() != 0 {
		t.Errorf("%d calls live after refused reuse", n.Registry.Live())
	}
	var list struct {
		Calls []json.RawMessage `json:"calls"`
	}
	code, b := do(t, n, "GET", "/v1/calls", adminTok, "", "")
	if code != 200 || json.Unmarshal([]byte(b), &list) != nil || len(list.Calls) != 1 {
		t.Errorf("GET /v1/calls: %d %s", code, b)
	}
}
