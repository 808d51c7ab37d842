package api

import (
	"net/http"
	"strings"
	"testing"
)

// pprof is off unless configured, and then for admin tokens only.
func TestPprofAdminOnly(t *testing.T) {
	off := newNode(t)
	if code, _ := off.get("/debug/pprof/", "admin"); code != http.StatusNotFound {
		t.Errorf("pprof off: admin got %d, want 404", code)
	}
	n := newNode(t, func(p *Params) { p.Pprof = true })
	for who, want := range map[string]int{"": http.StatusUnauthorized, "bad": http.StatusUnauthorized,
		"integrator": http.StatusForbidden, "sup-red": http.StatusForbidden, "agent-A17": http.StatusForbidden,
		"admin": http.StatusOK} {
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1",
			"/debug/pprof/cmdline", "/debug/pprof/profile?seconds=1", "/debug/pprof/trace?seconds=0.1"} {
			code, body := n.get(path, who)
			if code != want {
				t.Errorf("%s as %q: %d, want %d", path, who, code, want)
			}
			if code == http.StatusOK && path == "/debug/pprof/heap?debug=1" && !strings.Contains(body, "heap profile") {
				t.Errorf("heap profile body %.80q", body)
			}
		}
	}
}
