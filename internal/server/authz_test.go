package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/config"
)

// TestEveryRouteOfTheNodeIsGuarded walks every route a full node mounts — the API's own
// and those other packages add (media ingests, bindings) — and fails for a route without
// a row here. The API's own routes are tried role by role in internal/api's matrix test;
// here each route is tried without a token and with a bad one, and the routes mounted
// from other packages also with an agent's and an integrator's token.
func TestEveryRouteOfTheNodeIsGuarded(t *testing.T) {
	s := newNode(t, func(c *config.Config) { c.AudioSocketAddr = "127.0.0.1:0" })
	type row struct {
		method, path             string
		anon, bad                int
		agent, integrator, admin int // 0: covered by internal/api's matrix
	}
	const public = 200
	rows := map[string]row{
		"GET /":                       {"GET", "/", public, public, 0, 0, 0}, // the pages
		"GET /healthz":                {"GET", "/healthz", public, public, 0, 0, 0},
		"GET /readyz":                 {"GET", "/readyz", public, public, 0, 0, 0},
		"GET /metrics":                {"GET", "/metrics", 401, 401, 0, 0, 0},
		"POST /v1/whip":               {"POST", "/v1/whip", 401, 401, 0, 0, 0},
		"DELETE /v1/whip/{session}":   {"DELETE", "/v1/whip/x", 401, 401, 0, 0, 0},
		"PATCH /v1/whip/{session}":    {"PATCH", "/v1/whip/x", 405, 405, 0, 0, 0},
		"OPTIONS /v1/whip":            {"OPTIONS", "/v1/whip", 204, 204, 0, 0, 0},
		"GET /v1/calls":               {"GET", "/v1/calls", 401, 401, 0, 0, 0},
		"GET /v1/calls/{id}":          {"GET", "/v1/calls/x", 401, 401, 0, 0, 0},
		"GET /v1/calls/{id}/timeline": {"GET", "/v1/calls/x/timeline", 401, 401, 0, 0, 0},
		"GET /v1/calls/{id}/export":   {"GET", "/v1/calls/x/export", 401, 401, 0, 0, 0},
		"GET /v1/calls/export":        {"GET", "/v1/calls/export", 401, 401, 0, 0, 0},
		"GET /v1/ws/calls/{id}":       {"GET", "/v1/ws/calls/x", 401, 401, 0, 0, 0},
		"GET /v1/ws/calls":            {"GET", "/v1/ws/calls", 401, 401, 0, 0, 0},
		"GET /v1/ws/agent":            {"GET", "/v1/ws/agent", 401, 401, 0, 0, 0},
		"GET /v1/me":                  {"GET", "/v1/me", 401, 401, 0, 0, 0},
		"GET /v1/openapi.json":        {"GET", "/v1/openapi.json", 401, 401, 200, 200, 200},
		"GET /v1/trends":              {"GET", "/v1/trends", 401, 401, 0, 0, 0},
		"GET /v1/hints/usefulness":    {"GET", "/v1/hints/usefulness", 401, 401, 0, 0, 0},
		"GET /v1/tokens":              {"GET", "/v1/tokens", 401, 401, 0, 0, 0},
		"POST /v1/tokens":             {"POST", "/v1/tokens", 401, 401, 0, 0, 0},
		"DELETE /v1/tokens/{id}":      {"DELETE", "/v1/tokens/x", 401, 401, 0, 0, 0},
		"POST /v1/session":            {"POST", "/v1/session", 401, 401, 0, 0, 0},
		"DELETE /v1/session":          {"DELETE", "/v1/session", 204, 204, 0, 0, 0},
		// Twilio cannot send headers: a stream without a token authenticates in its start
		// message, so an anonymous plain GET reaches the websocket upgrade (400 here).
		"GET /v1/media/twilio":    {"GET", "/v1/media/twilio", 400, 401, 401, 400, 400},
		"GET /v1/media/audiohook": {"GET", "/v1/media/audiohook", 401, 401, 401, 400, 400},
		// Mounted by the transcript and hints packages: an integrator may push a
		// transcript (the empty body is refused: 400), an agent may not; an agent may rate
		// a hint of a call it can see (none here: 404), an integrator may not.
		"POST /v1/calls/{id}/transcript":            {"POST", "/v1/calls/x/transcript", 401, 401, 403, 400, 400},
		"POST /v1/calls/{id}/hints/{hint}/feedback": {"POST", "/v1/calls/x/hints/h/feedback", 401, 401, 404, 403, 404},
		// An empty body passes auth and fails validation.
		"POST /v1/audiosocket/bindings": {"POST", "/v1/audiosocket/bindings", 401, 401, 403, 400, 400},
	}
	routes := s.API.Routes()
	for _, r := range routes {
		if _, ok := rows[r]; !ok {
			t.Errorf("route %q has no row in the node's authorisation table (and, if the API's own, in internal/api's matrix)", r)
		}
	}
	do := func(method, path, tok string) int {
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(""))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("X-API-KEY", tok) // AudioHook's header
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for pattern, r := range rows {
		found := false
		for _, p := range routes {
			found = found || p == pattern
		}
		if !found {
			t.Errorf("row %q matches no mounted route", pattern)
			continue
		}
		for _, c := range []struct {
			who, tok string
			want     int
		}{
			{"no token", "", r.anon}, {"bad token", "wrong-token-123", r.bad},
			{"agent", agentTok, r.agent}, {"integrator", integratorTok, r.integrator}, {"admin", adminTok, r.admin},
		} {
			if c.want == 0 {
				continue
			}
			got := do(r.method, r.path, c.tok)
			if c.who == "bad token" && c.want == 401 && got == http.StatusTooManyRequests {
				continue // past the failed-attempt budget of this address: refused before any lookup
			}
			if got != c.want {
				t.Errorf("%s with %s: %d, want %d", pattern, c.who, got, c.want)
			}
		}
	}
}
