package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// A token's session cookies share its allowance: limits key on the principal (the
// token), not on the credential string, so minting cookies does not multiply them.
func TestCookiesShareTheTokensLimits(t *testing.T) {
	n := newNode(t, func(p *Params) {
		p.Limiter = auth.NewLimiter(auth.Limits{Rate: 0.01, Burst: 4, Concurrent: 1})
	})
	sess := n.session("sup-red") // one request of the burst
	for i := range 3 {
		if got := n.getWithCookie(n.srv.URL, "/v1/calls", sess); got != 200 {
			t.Fatalf("cookie request %d: %d", i, got)
		}
	}
	if code, _ := n.get("/v1/calls", "sup-red"); code != 429 {
		t.Errorf("the token after its cookie spent the burst: %d, want 429", code)
	}
	if code, _, _ := n.do(http.MethodPost, "/v1/session", "sup-red", "", ""); code != 429 {
		t.Errorf("minting a fresh cookie over the burst: %d, want 429", code)
	}

}

// A websocket opened with the token counts against the stream bound of its cookies too.
func TestCookiesShareTheTokensStreams(t *testing.T) {
	n := newNode(t, func(p *Params) { p.Limiter = auth.NewLimiter(auth.Limits{Concurrent: 1}) })
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/v1/ws/calls"
	c, _, err := websocket.DefaultDialer.Dial(u+"?token="+url.QueryEscape(n.tok["sup-blue"]), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hdr := http.Header{}
	hdr.Set("Cookie", SessionCookie+"="+n.session("sup-blue"))
	if _, resp, err := websocket.DefaultDialer.Dial(u, hdr); err == nil || resp == nil || resp.StatusCode != 429 {
		t.Errorf("a second stream through a cookie of the same token: %v %v, want 429", resp, err)
	}
}

// POST /v1/session cannot grow the session table without bound: a token keeps at most
// auth.DefaultSessionsPerToken sessions (a new one ends its oldest).
func TestSessionMintingBounded(t *testing.T) {
	n := newNode(t)
	var first string
	for i := range 100 {
		s := n.session("agent-A17")
		if i == 0 {
			first = s
		}
	}
	if got := n.api.sessions.Len(); got != auth.DefaultSessionsPerToken {
		t.Errorf("%d sessions after 100 logins of one token, want %d", got, auth.DefaultSessionsPerToken)
	}
	if got := n.getWithCookie(n.srv.URL, "/v1/calls", first); got != 401 {
		t.Errorf("the oldest session after 100 logins: %d, want 401 (ended)", got)
	}
}

// Failed bearer tokens are limited per source address: past the budget the source gets a
// cheap 429 with Retry-After for unknown tokens, while a token that authenticated lately
// still works and unknown session cookies cost nothing.
func TestFailedAuthPerSource(t *testing.T) {
	n := newNode(t, func(p *Params) { p.AuthFailures = auth.FailureLimits{Burst: 5, Refill: time.Hour} })
	if code, _ := n.get("/v1/calls", "admin"); code != 200 {
		t.Fatal(code)
	}
	for i := range 30 { // stale cookies do not count
		if got := n.getWithCookie(n.srv.URL, "/v1/calls", "uts_stale"); got != 401 {
			t.Fatalf("stale cookie %d: %d", i, got)
		}
	}
	for i := range 5 {
		if code, _ := n.get("/v1/calls", "bad"); code != 401 {
			t.Fatalf("bad token %d: %d, want 401", i, code)
		}
	}
	code, body, hdr := n.do("GET", "/v1/calls", "bad", "", "")
	if code != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(body, "failed authentication") {
		t.Errorf("sixth bad token: %d %q %s, want 429 with Retry-After", code, hdr.Get("Retry-After"), body)
	}
	if code, _, _ := n.do(http.MethodPost, "/v1/session", "bad", "", ""); code != 429 {
		t.Errorf("session minting with a bad token from a blocked source: %d, want 429", code)
	}
	if code, _ := n.get("/v1/calls", "sup-red"); code != 429 {
		t.Errorf("a token not yet seen from a blocked source: %d, want 429", code)
	}
	if code, _ := n.get("/v1/calls", "admin"); code != 200 {
		t.Errorf("a token that authenticated lately, from a blocked source: %d, want 200", code)
	}
}
