package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// ?token= authenticates websockets only (browsers cannot set headers on them); on REST
// routes a token in the URL lands in proxy logs and history, so it is refused with a 401
// that says where the token goes instead.
func TestQueryTokenOnlyOnWebsockets(t *testing.T) {
	n := newNode(t)
	q := "?token=" + url.QueryEscape(n.tok["admin"])
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/calls"},
		{"GET", "/v1/calls/c-a17"},
		{"GET", "/v1/calls/c-a17/timeline"},
		{"GET", "/v1/tokens"},
		{"GET", "/metrics"},
		{"POST", "/v1/whip"},
		{"DELETE", "/v1/whip/x"},
	} {
		code, body, hdr := n.do(c.method, c.path+q, "anon", "", "")
		if code != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") == "" || !strings.Contains(body, "Authorization") {
			t.Errorf("%s %s?token=: %d %s, want 401 naming the Authorization header", c.method, c.path, code, body)
		}
	}
	// With a header the query parameter is ignored, not an error.
	if code, _, _ := n.do("GET", "/v1/calls"+q, "admin", "", ""); code != 200 {
		t.Errorf("header plus ?token=: %d", code)
	}
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/v1/ws/calls/c-a17" + q
	c, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("websocket with ?token=: %v", err)
	}
	c.Close()
}
