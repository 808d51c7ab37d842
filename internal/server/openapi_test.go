package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/server"
	"github.com/undertone/undertone/internal/server/servertest"
)

var update = flag.Bool("update", false, "rewrite openapi.json from the code")

// The API describes itself: GET /v1/openapi.json answers the node's OpenAPI document,
// every route a full node mounts is in it (a new route without an entry fails here), and
// the copy in the repository is what the code generates (go test -run OpenAPI -update).
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	n := servertest.New(t, func(c *config.Config) { c.AudioSocketAddr, c.Pprof = "127.0.0.1:0", true })
	req, _ := http.NewRequest("GET", n.URL()+"/v1/openapi.json", nil)
	req.Header.Set("Authorization", "Bearer "+servertest.IntegratorToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var doc struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("GET /v1/openapi.json: %d %.200s", res.StatusCode, body)
	}
	for _, r := range n.API.Routes() {
		method, path, _ := strings.Cut(r, " ")
		if doc.Paths[path][strings.ToLower(method)] == nil {
			t.Errorf("route %q is mounted but not in the OpenAPI document (internal/server/openapi.go)", r)
		}
	}
	for _, s := range []string{"Event", "Event_emotion", "Event_hint", "Event_call_ended", "EmotionData", "Summary", "Request"} {
		if doc.Components.Schemas[s] == nil {
			t.Errorf("schema %s missing", s)
		}
	}
	gen := server.OpenAPI("")
	if *update {
		if err := os.WriteFile("openapi.json", gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile("openapi.json")
	if err != nil || !bytes.Equal(committed, gen) {
		t.Errorf("internal/server/openapi.json is stale (%v): go test ./internal/server -run OpenAPI -update", err)
	}
}
