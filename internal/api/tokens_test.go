package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokenAdministration(t *testing.T) {
	n := newNode(t)
	code, body, hdr := n.do(http.MethodPost, "/v1/tokens", "admin", "application/json",
		`{"role":"agent","agent":"A17","name":"desk 4","expires":"24h"}`)
	if code != 201 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", code, body)
	}
	var out struct {
		Token string    `json:"token"`
		Info  tokenJSON `json:"info"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Token, "ut_") || out.Info.Role != "agent" || out.Info.ExpiresAt == nil ||
		out.Info.ExpiresAt.Sub(time.Now()) < 23*time.Hour {
		t.Fatalf("created: %+v", out)
	}
	n.tok["new"] = out.Token
	if code, _ := n.get("/v1/calls/c-a17", "new"); code != 200 {
		t.Errorf("new agent token on its call: %d", code)
	}
	if code, _ := n.get("/v1/calls/c-b02", "new"); code != 403 {
		t.Errorf("new agent token on another agent's call: %d", code)
	}
	// The listing never shows a token or its hash.
	_, list := n.get("/v1/tokens", "admin")
	if strings.Contains(list, out.Token) || strings.Contains(list, "hash") || !strings.Contains(list, `"name":"desk 4"`) ||
		!strings.Contains(list, `"valid":false`) { // the revoked and expired fixtures
		t.Errorf("token list: %s", list)
	}
	if code, _, _ := n.do(http.MethodDelete, "/v1/tokens/"+out.Info.ID, "admin", "", ""); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := n.get("/v1/calls/c-a17", "new")
		if code == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked token still answers %d after 5 s", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range []struct{ body, names string }{
		{`{"role":"boss"}`, "role"},
		{`{"role":"agent"}`, "agent"},
		{`{"role":"supervisor","agent":"A1"}`, "agent"},
		{`{"role":"supervisor","teams":[""]}`, "teams"},
		{`{"role":"admin","expires":"soon"}`, "expires"},
		{`{"role":"admin","colour":"red"}`, "colour"},
		{`not json`, "body"},
	} {
		code, body, _ := n.do(http.MethodPost, "/v1/tokens", "admin", "application/json", c.body)
		if code != 400 || !strings.Contains(body, c.names) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.body, code, body, c.names)
		}
	}
}
