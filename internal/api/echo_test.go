package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Error answers quote at most a short cut of what the client sent: a 10 kB input does
// not come back (amplification, log and terminal injection).
func TestErrorsDoNotEchoLongInputs(t *testing.T) {
	n := newNode(t)
	long := strings.Repeat("A", 10_000)
	for _, c := range []struct{ method, path, who, ctype, body string }{
		{"GET", "/v1/calls?" + long + "=1", "admin", "", ""},
		{"GET", "/v1/calls?state=" + long, "admin", "", ""},
		{"GET", "/v1/calls/" + long, "admin", "", ""},
		{"GET", "/v1/calls/" + long + "/timeline", "admin", "", ""},
		{"GET", "/v1/calls/c-a17/export?format=" + long, "admin", "", ""},
		{"GET", "/v1/trends?by=" + long, "admin", "", ""},
		{"DELETE", "/v1/tokens/" + long, "admin", "", ""},
		{"POST", "/v1/tokens", "admin", "application/json", `{"` + long + `":1}`},
		{"POST", "/v1/tokens", "admin", "application/json", `{"role":"` + long + `"}`},
		{"POST", "/v1/whip?party=" + url.QueryEscape(long), "integrator", "application/sdp", "v=0"},
		{"POST", "/v1/whip?call=" + long, "integrator", "application/sdp", "v=0"},
	} {
		code, body, _ := n.do(c.method, c.path, c.who, c.ctype, c.body)
		if code < 400 || len(body) > 300 || strings.Contains(body, strings.Repeat("A", 65)) {
			t.Errorf("%s %.60s…: %d, %d-byte answer %.120q", c.method, c.path, code, len(body), body)
		}
	}
	if code, body, _ := n.do("GET", "/v1/calls?"+long+"=1", "admin", "", ""); code != http.StatusBadRequest || !strings.Contains(body, "…") {
		t.Errorf("the cut is not marked: %d %s", code, body)
	}
}
