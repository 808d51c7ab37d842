package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// anyToken accepts every token of 8 characters or more, as its own principal.
type anyToken struct{}

func (anyToken) Authenticate(tok string) (Principal, error) {
	if len(tok) < 8 {
		return Principal{}, ErrToken
	}
	return Principal{Role: Admin, Name: tok}, nil
}

// A token and every session made from it are one principal: the same Key.
func TestSessionsShareTheTokensKey(t *testing.T) {
	static, _ := ParseTokens("agent:agent-token-1:A17,admin:admin-token-1")
	s := NewSessions(static, SessionConfig{})
	id1, _, _, _ := s.New("agent-token-1")
	id2, _, _, _ := s.New("agent-token-1")
	pt, _ := s.Authenticate("agent-token-1")
	p1, _ := s.Authenticate(id1)
	p2, _ := s.Authenticate(id2)
	pa, _ := s.Authenticate("admin-token-1")
	if pt.Key() == "" || p1.Key() != pt.Key() || p2.Key() != pt.Key() {
		t.Errorf("keys differ: token %q, sessions %q %q", pt.Key(), p1.Key(), p2.Key())
	}
	if pa.Key() == pt.Key() {
		t.Error("two tokens share a key")
	}
	// An authenticator that names no one: each token gets its own key all the same.
	s = NewSessions(anonymous{}, SessionConfig{})
	id, _, _, _ := s.New("some-token")
	p, _ := s.Authenticate(id)
	q, _ := s.Authenticate("other-token")
	if p.Key() == "" || p.Key() == q.Key() {
		t.Errorf("keys of an authenticator that sets none: %q %q", p.Key(), q.Key())
	}
}

// anonymous accepts every token as a principal with no ID and no name.
type anonymous struct{}

func (anonymous) Authenticate(string) (Principal, error) { return Principal{Role: Admin}, nil }

// A token holds at most PerToken sessions: a new one ends its oldest, and other tokens'
// sessions are untouched.
func TestSessionsPerToken(t *testing.T) {
	s := NewSessions(anyToken{}, SessionConfig{PerToken: 3})
	other, _, _, _ := s.New("other-token")
	var ids []string
	for range 10 {
		id, _, _, err := s.New("flood-token")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if s.Len() != 4 {
		t.Errorf("%d sessions held, want 3 of the flooding token + 1", s.Len())
	}
	for i, id := range ids {
		_, err := s.Authenticate(id)
		if live := i >= len(ids)-3; live != (err == nil) {
			t.Errorf("session %d: %v (want live=%v)", i, err, live)
		}
	}
	if _, err := s.Authenticate(other); err != nil {
		t.Errorf("another token's session ended: %v", err)
	}
	s.End(ids[len(ids)-1])
	if _, _, _, err := s.New("flood-token"); err != nil || s.Len() != 4 {
		t.Errorf("after logout: %v, %d held", err, s.Len())
	}
}

// The table as a whole is bounded: full of unexpired sessions, New refuses rather than
// end another token's; expired sessions make room.
func TestSessionsTableBounded(t *testing.T) {
	clk := &clock{t: time.Now()}
	s := NewSessions(anyToken{}, SessionConfig{Now: clk.now, PerToken: 2, Max: 100})
	for i := range 50 {
		for range 2 {
			if _, _, _, err := s.New(fmt.Sprintf("token-%04d", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, _, err := s.New("newcomer-token"); !errors.Is(err, ErrTooManySessions) {
		t.Fatalf("full table: %v", err)
	}
	if _, _, _, err := s.New("token-0007"); err != nil { // a holder renews within its own share
		t.Errorf("renewal in a full table: %v", err)
	}
	if s.Len() != 100 {
		t.Errorf("%d sessions", s.Len())
	}
	clk.t = clk.t.Add(MaxSession)
	if _, _, _, err := s.New("newcomer-token"); err != nil || s.Len() != 1 {
		t.Errorf("after expiry: %v, %d held", err, s.Len())
	}
}
