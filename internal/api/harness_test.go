package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/whip"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/sqlite"
)

// Tokens of the test node. Static ones come from a UNDERTONE_TOKENS-style spec; the
// others are stored hashed, as `undertone token create` stores them.
const (
	integratorTok = "integrator-token-1"
	adminTok      = "admin-token-0001"
	devAgentTok   = "agent-unbound-01" // static agent token bound to no agent
)

// node is an API server over a real SQLite store, with two stored calls:
// c-a17 (agent A17, team red, queue billing) and c-b02 (agent B02, team blue, queue sales).
type node struct {
	t   *testing.T
	srv *httptest.Server
	api *Server
	st  store.Store
	reg *call.Registry
	tok map[string]string // principal name → token
}

func newNode(t *testing.T, mut ...func(*Params)) *node {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "undertone.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	static, err := auth.ParseTokens("integrator:" + integratorTok + ",admin:" + adminTok + ",agent:" + devAgentTok)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, st: st, tok: map[string]string{
		"integrator": integratorTok, "admin": adminTok, "agent-unbound": devAgentTok, "bad": "not-a-token-at-all"}}
	now := time.Now()
	for _, c := range []struct {
		name  string
		role  auth.Role
		agent string
		teams []string
		ttl   time.Duration
	}{
		{"agent-A17", auth.AgentRole, "A17", nil, time.Hour},
		{"agent-B02", auth.AgentRole, "B02", nil, 0},
		{"sup-red", auth.Supervisor, "", []string{"red"}, 0},
		{"sup-blue", auth.Supervisor, "", []string{"blue"}, 0},
		{"expired", auth.Admin, "", nil, time.Hour},
		{"revoked", auth.Admin, "", nil, 0},
	} {
		tok, rec := auth.NewToken(c.role, c.agent, c.teams, c.name, c.ttl, now)
		if c.name == "expired" {
			rec.ExpiresAt = now.Add(-time.Minute)
		}
		if err := st.CreateToken(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if c.name == "revoked" {
			if err := st.RevokeToken(ctx, rec.ID, now); err != nil {
				t.Fatal(err)
			}
		}
		n.tok[c.name] = tok
	}
	start := now.Add(-2 * time.Hour).Truncate(time.Second)
	for i, c := range []store.CallRecord{
		{ID: "c-a17", Source: "whip", Agent: "A17", Team: "red", Queue: "billing", Parties: []string{"customer", "agent"},
			Meta: map[string]string{"team": "red", "queue": "billing", "crm": "=HYPERLINK(1)"}},
		{ID: "c-b02", Source: "sip", Agent: "B02", Team: "blue", Queue: "sales", Parties: []string{"customer"},
			Meta: map[string]string{"team": "blue", "queue": "sales"}},
	} {
		c.StartedAt = start.Add(time.Duration(i) * time.Minute)
		if err := st.CallStarted(ctx, c); err != nil {
			t.Fatal(err)
		}
		c.EndedAt, c.Reason = c.StartedAt.Add(90*time.Second), "hangup"
		if err := st.CallEnded(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	log := slog.New(slog.DiscardHandler)
	m := metrics.New()
	h := hub.New(hub.Config{}, log, m)
	n.reg = call.NewRegistry(call.Config{Log: log, Metrics: m, Publish: h.Publish, Recorder: store.ForRegistry(st)})
	w, err := whip.New(whip.Config{Log: log, Admit: &ingest.Admitter{Registry: n.reg}, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	p := Params{Log: log, Metrics: m, Auth: auth.NewStoreAuth(static, st, auth.StoreConfig{CacheTTL: 200 * time.Millisecond}), Registry: n.reg,
		Hub: h, DB: st, Tokens: st,
		Web: fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}}
	for _, f := range mut {
		f(&p)
	}
	n.api = New(p)
	w.Mount(n.api)
	n.srv = httptest.NewServer(n.api)
	t.Cleanup(func() {
		n.srv.CloseClientConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.reg.Drain(ctx)
		_ = h.Close(ctx)
		n.srv.Close()
	})
	return n
}

// do sends a request with the named principal's token in the Authorization header
// ("" or "anon": none) and returns the status and body.
func (n *node) do(method, path, who, ctype, body string) (int, string, http.Header) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.srv.URL+path, strings.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	if tok := n.tok[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (n *node) get(path, who string) (int, string) {
	n.t.Helper()
	code, body, _ := n.do(http.MethodGet, path, who, "", "")
	return code, body
}
