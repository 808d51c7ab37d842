package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// fakeTokens is a token table that counts lookups and can fail.
type fakeTokens struct {
	mu      sync.Mutex
	by      map[[32]byte]store.Token
	lookups int
	fail    error
}

func (f *fakeTokens) TokenByHash(_ context.Context, h [32]byte) (store.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.fail != nil {
		return store.Token{}, f.fail
	}
	t, ok := f.by[h]
	if !ok {
		return store.Token{}, store.ErrNotFound
	}
	return t, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestStoreAuth(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	ft := &fakeTokens{by: map[[32]byte]store.Token{}}
	agentTok, rec := NewToken(AgentRole, "A17", []string{"red"}, "desk", time.Hour, clk.t)
	ft.by[rec.Hash] = rec
	supTok, srec := NewToken(Supervisor, "", []string{"red", "blue"}, "", 0, clk.t)
	ft.by[srec.Hash] = srec
	static, _ := ParseTokens("admin:static-admin-1")
	a := NewStoreAuth(static, ft, StoreConfig{CacheTTL: time.Second, Now: clk.now})

	if p, err := a.Authenticate("static-admin-1"); err != nil || p.Role != Admin {
		t.Fatalf("static: %+v %v", p, err)
	}
	if ft.lookups != 0 {
		t.Errorf("a static token asked the store")
	}
	p, err := a.Authenticate(agentTok)
	if err != nil || p.Role != AgentRole || p.Agent != "A17" || p.Name != "desk ("+rec.ID+")" {
		t.Fatalf("agent: %+v %v", p, err)
	}
	if p, err := a.Authenticate(supTok); err != nil || len(p.Teams) != 2 || !p.InTeams("blue") || p.InTeams("green") {
		t.Fatalf("supervisor: %+v %v", p, err)
	}
	// Cached: no second lookup within the TTL; a miss is cached too.
	n := ft.lookups
	_, _ = a.Authenticate(agentTok)
	if _, err := a.Authenticate("ut_unknown"); !errors.Is(err, ErrToken) {
		t.Errorf("unknown: %v", err)
	}
	_, _ = a.Authenticate("ut_unknown")
	if ft.lookups != n+1 {
		t.Errorf("lookups %d, want %d (cache)", ft.lookups, n+1)
	}
	// Expiry applies even to a cached entry.
	clk.t = clk.t.Add(time.Hour)
	if _, err := a.Authenticate(agentTok); !errors.Is(err, ErrToken) {
		t.Errorf("expired token accepted: %v", err)
	}
	// Revocation takes effect once the cache entry ages out.
	rev := srec
	rev.RevokedAt = clk.t
	ft.mu.Lock()
	ft.by[srec.Hash] = rev
	ft.mu.Unlock()
	clk.t = clk.t.Add(2 * time.Second)
	if _, err := a.Authenticate(supTok); !errors.Is(err, ErrToken) {
		t.Errorf("revoked token accepted: %v", err)
	}
	// A store that cannot answer is not "invalid token".
	ft.fail = errors.New("connection refused")
	clk.t = clk.t.Add(2 * time.Second)
	if _, err := a.Authenticate("ut_other"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("store down: %v, want ErrUnavailable", err)
	}
	if _, err := a.Authenticate(""); !errors.Is(err, ErrNoToken) {
		t.Errorf("empty: %v", err)
	}
	// A stored token with a role this version does not know is refused, not guessed.
	ft.fail = nil
	odd, orec := NewToken("", "", nil, "", 0, clk.t)
	orec.Role = "root"
	ft.by[orec.Hash] = orec
	if _, err := a.Authenticate(odd); !errors.Is(err, ErrRole) {
		t.Errorf("unknown stored role: %v", err)
	}
}

func TestNewTokenIsRandomAndHashed(t *testing.T) {
	now := time.Now()
	a, ra := NewToken(Integrator, "", nil, "", 0, now)
	b, rb := NewToken(Integrator, "", nil, "", 0, now)
	if a == b || ra.ID == rb.ID || len(a) != 67 || ra.Hash != Hash(a) || !ra.ExpiresAt.IsZero() {
		t.Errorf("tokens %q %q, records %+v %+v", a, b, ra, rb)
	}
}

func TestSessions(t *testing.T) {
	clk := &clock{t: time.Now()}
	static, _ := ParseTokens("agent:agent-token-1:A17")
	s := NewSessions(static, SessionConfig{Now: clk.now})
	id, p, exp, err := s.New("agent-token-1")
	if err != nil || p.Agent != "A17" || !exp.Equal(clk.t.Add(MaxSession)) {
		t.Fatalf("new: %v %+v %v", err, p, exp)
	}
	if p, err := s.Authenticate(id); err != nil || p.Agent != "A17" {
		t.Errorf("session: %+v %v", p, err)
	}
	if p, err := s.Authenticate("agent-token-1"); err != nil || p.Agent != "A17" {
		t.Errorf("token through sessions: %+v %v", p, err)
	}
	if _, _, _, err := s.New(id); !errors.Is(err, ErrToken) {
		t.Errorf("session from session: %v", err)
	}
	if _, _, _, err := s.New("wrong-token"); !errors.Is(err, ErrToken) {
		t.Errorf("session from a bad token: %v", err)
	}
	clk.t = clk.t.Add(MaxSession)
	if _, err := s.Authenticate(id); !errors.Is(err, ErrToken) {
		t.Errorf("expired session accepted: %v", err)
	}
	id2, _, _, _ := s.New("agent-token-1")
	s.End(id2)
	if _, err := s.Authenticate(id2); !errors.Is(err, ErrToken) {
		t.Errorf("ended session accepted: %v", err)
	}
	if s.Len() != 0 {
		t.Errorf("%d sessions held", s.Len())
	}
}
