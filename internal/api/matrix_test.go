package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/auth"
)

// principals in the order of every row of the matrix below.
var principals = []string{"anon", "bad", "expired", "revoked", "integrator", "agent-A17", "agent-B02",
	"sup-red", "sup-blue", "admin", "agent-unbound"}

// matrixRow is one route: a concrete request and the exact status each principal gets,
// in the order of principals. Websocket routes are dialled for real (101 = upgraded).
type matrixRow struct {
	method, path, ctype, body string
	want                      [11]int
	ws                        bool
}

// matrix covers every route New mounts. c-a17 belongs to agent A17 in team red.
var matrix = map[string]matrixRow{
	"GET /healthz": {method: "GET", path: "/healthz",
		want: [11]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
	"GET /readyz": {method: "GET", path: "/readyz",
		want: [11]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
	"GET /": {method: "GET", path: "/",
		want: [11]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
	"GET /metrics": {method: "GET", path: "/metrics",
		want: [11]int{401, 401, 401, 401, 200, 403, 403, 200, 200, 200, 403}},
	// An allowed offer gets past auth to the SDP check: 400 for "v=0".
	"POST /v1/whip": {method: "POST", path: "/v1/whip", ctype: "application/sdp", body: "v=0",
		want: [11]int{401, 401, 401, 401, 400, 403, 403, 403, 403, 400, 403}},
	"DELETE /v1/whip/{session}": {method: "DELETE", path: "/v1/whip/no-such-session",
		want: [11]int{401, 401, 401, 401, 404, 403, 403, 403, 403, 404, 403}},
	"PATCH /v1/whip/{session}": {method: "PATCH", path: "/v1/whip/x",
		want: [11]int{405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405}},
	"OPTIONS /v1/whip": {method: "OPTIONS", path: "/v1/whip",
		want: [11]int{204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204}},
	"GET /v1/calls": {method: "GET", path: "/v1/calls",
		want: [11]int{401, 401, 401, 401, 403, 200, 200, 200, 200, 200, 200}},
	"GET /v1/calls/{id}": {method: "GET", path: "/v1/calls/c-a17",
		want: [11]int{401, 401, 401, 401, 403, 200, 403, 200, 403, 200, 200}},
	"GET /v1/calls/{id}/timeline": {method: "GET", path: "/v1/calls/c-a17/timeline",
		want: [11]int{401, 401, 401, 401, 403, 200, 403, 200, 403, 200, 200}},
	"GET /v1/calls/{id}/export": {method: "GET", path: "/v1/calls/c-a17/export?format=csv",
		want: [11]int{401, 401, 401, 401, 403, 200, 403, 200, 403, 200, 200}},
	"GET /v1/calls/export": {method: "GET", path: "/v1/calls/export?format=json",
		want: [11]int{401, 401, 401, 401, 403, 200, 200, 200, 200, 200, 200}},
	"GET /v1/ws/calls/{id}": {method: "GET", path: "/v1/ws/calls/c-a17", ws: true,
		want: [11]int{401, 401, 401, 401, 403, 101, 403, 101, 403, 101, 101}},
	// The desk of agent A17: its own agent, supervisors and admins may open it (a
	// supervisor's team scope filters the calls, not the socket); agent B02 may not.
	"GET /v1/ws/agent": {method: "GET", path: "/v1/ws/agent?agent=A17", ws: true,
		want: [11]int{401, 401, 401, 401, 403, 101, 403, 101, 101, 101, 101}},
	"GET /v1/me": {method: "GET", path: "/v1/me",
		want: [11]int{401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200}},
	"GET /v1/ws/calls": {method: "GET", path: "/v1/ws/calls", ws: true,
		want: [11]int{401, 401, 401, 401, 403, 403, 403, 101, 101, 101, 403}},
	"GET /v1/trends": {method: "GET", path: "/v1/trends?bucket=day&by=team",
		want: [11]int{401, 401, 401, 401, 403, 403, 403, 200, 200, 200, 403}},
	"GET /v1/hints/usefulness": {method: "GET", path: "/v1/hints/usefulness",
		want: [11]int{401, 401, 401, 401, 403, 403, 403, 200, 200, 200, 403}},
	"GET /v1/tokens": {method: "GET", path: "/v1/tokens",
		want: [11]int{401, 401, 401, 401, 403, 403, 403, 403, 403, 200, 403}},
	"POST /v1/tokens": {method: "POST", path: "/v1/tokens", ctype: "application/json", body: `{"role":"integrator"}`,
		want: [11]int{401, 401, 401, 401, 403, 403, 403, 403, 403, 201, 403}},
	"DELETE /v1/tokens/{id}": {method: "DELETE", path: "/v1/tokens/tok_none",
		want: [11]int{401, 401, 401, 401, 403, 403, 403, 403, 403, 404, 403}},
	"POST /v1/session": {method: "POST", path: "/v1/session",
		want: [11]int{401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200}},
	"DELETE /v1/session": {method: "DELETE", path: "/v1/session",
		want: [11]int{204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204}},
}

// TestAuthorisationMatrix tries every principal — no token, a bad, an expired and a
// revoked token, each role, and another agent's token — against every route, and fails
// when a route is mounted without a row here.
func TestAuthorisationMatrix(t *testing.T) {
	// Every row tries three bad tokens from one address: more than the failed-attempt
	// budget per source (TestFailedAuthPerSource checks that budget).
	n := newNode(t, func(p *Params) { p.AuthFailures = auth.FailureLimits{Burst: 10_000} })
	routes := n.api.Routes()
	for _, r := range routes {
		if _, ok := matrix[r]; !ok {
			t.Errorf("route %q has no row in the authorisation matrix: add one", r)
		}
	}
	for pattern, row := range matrix {
		if !slices.Contains(routes, pattern) {
			t.Errorf("matrix row %q matches no mounted route", pattern)
			continue
		}
		for i, who := range principals {
			var got int
			var body string
			if row.ws {
				got = n.dialWS(row.path, who)
			} else {
				got, body, _ = n.do(row.method, row.path, who, row.ctype, row.body)
			}
			if got != row.want[i] {
				t.Errorf("%s as %s: %d, want %d (%s)", pattern, who, got, row.want[i], strings.TrimSpace(body))
			}
		}
	}
}

// dialWS opens a websocket with the principal's token in ?token= and returns the status.
func (n *node) dialWS(path, who string) int {
	n.t.Helper()
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + path
	if tok := n.tok[who]; tok != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "token=" + url.QueryEscape(tok)
	}
	c, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err == nil {
		c.Close()
	}
	if resp == nil {
		n.t.Fatalf("dial %s: %v", path, err)
	}
	return resp.StatusCode
}

// The websocket also takes the token from the Authorization header and the session cookie.
func TestWebsocketCredentials(t *testing.T) {
	n := newNode(t)
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/v1/ws/calls/c-a17"
	for _, c := range []struct {
		name string
		hdr  http.Header
		want int
	}{
		{"bearer header, own call", http.Header{"Authorization": {"Bearer " + n.tok["agent-A17"]}}, 101},
		{"bearer header, other agent", http.Header{"Authorization": {"Bearer " + n.tok["agent-B02"]}}, 403},
		{"session cookie", http.Header{"Cookie": {SessionCookie + "=" + n.session("agent-A17")}}, 101},
		{"other agent's session", http.Header{"Cookie": {SessionCookie + "=" + n.session("agent-B02")}}, 403},
		{"made-up session", http.Header{"Cookie": {SessionCookie + "=uts_0123"}}, 401},
	} {
		conn, resp, err := websocket.DefaultDialer.Dial(u, c.hdr)
		if err == nil {
			conn.Close()
		}
		if resp == nil || resp.StatusCode != c.want {
			t.Errorf("%s: %v %v, want %d", c.name, resp, err, c.want)
		}
	}
}
