package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// scripts/compose.yaml cannot be run here (no Docker daemon), so what can be checked is:
// it parses, every UNDERTONE_* variable it sets is one the server reads, and each node's
// environment (defaults of ${VAR:-default} taken) is a valid configuration.
func TestComposeExample(t *testing.T) {
	b, err := os.ReadFile("../../scripts/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var known strings.Builder
	for _, f := range []string{"config.go", "asr.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		known.Write(src)
	}
	dflt := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)
	nodes := 0
	for name, svc := range doc.Services {
		if !strings.HasPrefix(name, "node-") {
			continue
		}
		nodes++
		envs := map[string]string{}
		for k, v := range svc.Environment {
			if strings.HasPrefix(k, "UNDERTONE_") && !strings.Contains(known.String(), `"`+k+`"`) {
				t.Errorf("%s sets %s, which the server does not read", name, k)
			}
			envs[k] = dflt.ReplaceAllString(v, "$1")
		}
		if _, err := Load("", func(k string) string { return envs[k] }); err != nil {
			t.Errorf("%s's environment is not a valid configuration: %v", name, err)
		}
		if len(svc.Ports) < 2 {
			t.Errorf("%s publishes %v; want HTTP and its WebRTC UDP range", name, svc.Ports)
		}
	}
	_, nats := doc.Services["nats"]
	_, pg := doc.Services["postgres"]
	if nodes != 2 || !nats || !pg {
		t.Errorf("want two nodes, NATS and Postgres; got %d nodes, nats %v, postgres %v", nodes, nats, pg)
	}
}
