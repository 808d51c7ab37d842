package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// session exchanges the principal's token for a session cookie and returns its value.
func (n *node) session(who string) string {
	n.t.Helper()
	code, body, hdr := n.do(http.MethodPost, "/v1/session", who, "", "")
	if code != 200 {
		n.t.Fatalf("POST /v1/session as %s: %d %s", who, code, body)
	}
	resp := http.Response{Header: hdr}
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			return c.Value
		}
	}
	n.t.Fatalf("POST /v1/session as %s: no cookie", who)
	return ""
}

func (n *node) getWithCookie(base, path, session string) int {
	n.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: session})
	resp, err := n.srv.Client().Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSessionCookie(t *testing.T) {
	n := newNode(t)
	code, body, hdr := n.do(http.MethodPost, "/v1/session", "agent-A17", "", "")
	if code != 200 || !strings.Contains(body, `"role":"agent"`) || !strings.Contains(body, `"agent":"A17"`) {
		t.Fatalf("session: %d %s", code, body)
	}
	cookies := (&http.Response{Header: hdr}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" || c.MaxAge <= 0 ||
		!strings.HasPrefix(c.Value, "uts_") || strings.Contains(c.Value, n.tok["agent-A17"]) {
		t.Errorf("cookie over plain HTTP: %+v", c)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", hdr.Get("Cache-Control"))
	}
	// The cookie alone authenticates, with the token's own scope.
	if got := n.getWithCookie(n.srv.URL, "/v1/calls/c-a17", c.Value); got != 200 {
		t.Errorf("own call with cookie: %d", got)
	}
	if got := n.getWithCookie(n.srv.URL, "/v1/calls/c-b02", c.Value); got != 403 {
		t.Errorf("other agent's call with cookie: %d", got)
	}
	// A token in the URL is not how sessions are made.
	if code, _, _ := n.do(http.MethodPost, "/v1/session?token="+n.tok["agent-A17"], "anon", "", ""); code != 401 {
		t.Errorf("session from ?token=: %d, want 401", code)
	}
	// A session cannot mint another session.
	req, _ := http.NewRequest(http.MethodPost, n.srv.URL+"/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+c.Value)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("session from a session: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// Logout ends it.
	req, _ = http.NewRequest(http.MethodDelete, n.srv.URL+"/v1/session", nil)
	req.AddCookie(c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("logout: %v %v", resp, err)
	}
	resp.Body.Close()
	if cl := resp.Cookies(); len(cl) != 1 || cl[0].MaxAge >= 0 {
		t.Errorf("logout did not clear the cookie: %v", cl)
	}
	if got := n.getWithCookie(n.srv.URL, "/v1/calls/c-a17", c.Value); got != 401 {
		t.Errorf("after logout: %d, want 401", got)
	}
}

// Revoking the token ends the sessions made from it (within the cache lifetime).
func TestRevokedTokenEndsSession(t *testing.T) {
	n := newNode(t)
	sess := n.session("sup-red")
	ts, err := n.st.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if tk.Name == "sup-red" {
			if err := n.st.RevokeToken(context.Background(), tk.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.getWithCookie(n.srv.URL, "/v1/calls", sess) != 401 {
		if time.Now().After(deadline) {
			t.Fatal("session still works 5 s after its token was revoked")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Over TLS the cookie is Secure.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	n := newNode(t)
	srv := httptest.NewUnstartedServer(n.api)
	srv.StartTLS()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+n.tok["admin"])
	resp, err := srv.Client().Do(req) // trusts the test server's self-signed certificate
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if resp.StatusCode != 200 || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("TLS session: %d %+v", resp.StatusCode, cs)
	}
}
