package audiosocket_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/server/servertest"
)

func bind(t *testing.T, n *servertest.Node, token string, b audiosocket.Binding) int {
	t.Helper()
	body, _ := json.Marshal(b)
	req, _ := http.NewRequest(http.MethodPost, n.URL()+"/v1/audiosocket/bindings", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[15] = 0x7a // not a party by the suffix rule: only the binding maps it
	return audiosocket.FormatUUID(b[:])
}

// Calls an integrator binds count against its concurrent-call limit (shared with the other
// ingests): both parties of one call take one place, a second call is refused with 429,
// and the place comes back when the call ends.
func TestBindingsCountAgainstTheIntegratorLimit(t *testing.T) {
	n := servertest.New(t, enable, func(c *config.Config) { c.Telephony.MaxCallsPerToken = 1 })
	cust, agent := newUUID(), newUUID()
	if code := bind(t, n, servertest.IntegratorToken, audiosocket.Binding{UUID: cust, Call: "lim-1", Party: event.Customer}); code != 201 {
		t.Fatalf("first binding: %d", code)
	}
	if code := bind(t, n, servertest.IntegratorToken, audiosocket.Binding{UUID: agent, Call: "lim-1", Party: event.Agent}); code != 201 {
		t.Fatalf("the same call's other party: %d, want 201 (no second place)", code)
	}
	if code := bind(t, n, servertest.IntegratorToken, audiosocket.Binding{UUID: newUUID(), Call: "lim-2", Party: event.Customer}); code != 429 {
		t.Errorf("a second call over a limit of 1: %d, want 429", code)
	}
	var conns []*audiosocket.Client
	for _, u := range []string{cust, agent} {
		c, err := audiosocket.Dial(n.AudioSocket.Addr().String(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	if !n.WaitCall("lim-1", 5*time.Second) {
		t.Fatal("bound call not opened")
	}
	w := servertest.Watch(t, n, "lim-1")
	for _, c := range conns {
		_ = c.WriteAudio(servertest.Tone(330, 0.02))
		_ = c.Hangup()
	}
	if _, err := w.WaitEnded(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	p := integrator(t, n)
	deadline := time.Now().Add(5 * time.Second)
	for n.CallLimiter().Open(p) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if code := bind(t, n, servertest.IntegratorToken, audiosocket.Binding{UUID: newUUID(), Call: "lim-3", Party: event.Customer}); code != 201 {
		t.Errorf("after the call ended: %d, want 201", code)
	}
}

// A binding whose connection never arrives gives its place back when it expires.
func TestExpiredBindingFreesThePlace(t *testing.T) {
	now := time.Unix(1000, 0)
	l := auth.NewCallLimiter(1)
	s := audiosocket.New(audiosocket.Config{Admit: &ingest.Admitter{Calls: l}, BindingTTL: time.Minute, Now: func() time.Time { return now }})
	p := auth.Principal{Role: auth.Integrator, Name: "i"}
	if err := s.BindFor(audiosocket.Binding{UUID: newUUID(), Call: "e-1", Party: event.Customer}, p); err != nil {
		t.Fatal(err)
	}
	if err := s.BindFor(audiosocket.Binding{UUID: newUUID(), Call: "e-2", Party: event.Customer}, p); err == nil {
		t.Fatal("second call bound over a limit of 1")
	}
	now = now.Add(2 * time.Minute)
	if err := s.BindFor(audiosocket.Binding{UUID: newUUID(), Call: "e-2", Party: event.Customer}, p); err != nil {
		t.Fatalf("after the first binding expired: %v", err)
	}
	if l.Open(p) != 1 {
		t.Errorf("open = %d, want 1", l.Open(p))
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
