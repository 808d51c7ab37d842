package api

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/auth"
)

// Per-token limits: requests beyond the burst get 429 with Retry-After, other tokens are
// not affected, and a second open stream of the same token is refused.
func TestPerTokenLimits(t *testing.T) {
	n := newNode(t, func(p *Params) {
		p.Limiter = auth.NewLimiter(auth.Limits{Rate: 0.01, Burst: 3, Concurrent: 1})
	})
	for i := range 3 {
		if code, _ := n.get("/v1/calls", "admin"); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	code, body, hdr := n.do("GET", "/v1/calls", "admin", "", "")
	if code != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(body, "rate") {
		t.Errorf("over the burst: %d %q %s", code, hdr.Get("Retry-After"), body)
	}
	if code, _ := n.get("/v1/calls", "sup-red"); code != 200 {
		t.Errorf("another token: %d", code)
	}
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/v1/ws/calls?token=" + url.QueryEscape(n.tok["sup-blue"])
	c, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, resp, err := websocket.DefaultDialer.Dial(u, nil); err == nil || resp == nil || resp.StatusCode != 429 {
		t.Errorf("second stream of one token: %v %v, want 429", resp, err)
	}
}

type downAuth struct{}

func (downAuth) Authenticate(string) (auth.Principal, error) {
	return auth.Principal{}, auth.ErrUnavailable
}

// A token store that cannot be asked is a 503 (retry), not a 401 (drop your token).
func TestTokenStoreDownIs503(t *testing.T) {
	n := newNode(t, func(p *Params) { p.Auth = downAuth{} })
	code, _, hdr := n.do("GET", "/v1/calls", "admin", "", "")
	if code != 503 || hdr.Get("Retry-After") == "" {
		t.Errorf("store down: %d, want 503 with Retry-After", code)
	}
}
