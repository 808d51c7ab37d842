package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// /readyz fails, with a reason and without internal details, while a readiness check
// (main adds the store's Writable) fails, and recovers by itself.
func TestReadyzFailsWhileStoreCannotWrite(t *testing.T) {
	n := newNode(t)
	var full atomic.Bool
	n.api.NotReadyWhen("store", func() error {
		if full.Load() {
			return fmt.Errorf("%w (disk full) for 3s, 12 held for retry", store.ErrUnwritable)
		}
		return nil
	})
	if code, _ := n.get("/readyz", ""); code != 200 {
		t.Fatalf("healthy: %d", code)
	}
	full.Store(true)
	if code, body := n.get("/readyz", ""); code != 503 || !strings.Contains(body, "store") || !strings.Contains(body, "disk full") {
		t.Errorf("store full: %d %q, want 503 naming the store", code, body)
	}
	full.Store(false)
	if code, _ := n.get("/readyz", ""); code != 200 {
		t.Errorf("recovered: %d", code)
	}
}

// fullTokens is a test double of the token store whose writes fail as SQLite's do on a
// full disk (modernc.org/sqlite's own message); reads work. The store-level behaviour on a
// really full database is tested in internal/store/sqlite.
type fullTokens struct{ TokenAdmin }

func (fullTokens) CreateToken(context.Context, store.Token) error {
	return errors.New("sqlite: create token tok_1: database or disk is full (13)")
}
func (f fullTokens) RevokeToken(context.Context, string, time.Time) error {
	return errors.New("sqlite: revoke token: database or disk is full (13)")
}

// A token that cannot be stored is a 503 with Retry-After, never a 201 with a token that
// does not exist, and the answer names no file.
func TestTokenCreateOnAFullStore(t *testing.T) {
	n := newNode(t, func(p *Params) { p.Tokens = fullTokens{p.Tokens} })
	code, body, hdr := n.do("POST", "/v1/tokens", "admin", "application/json", `{"role":"integrator"}`)
	if code != 503 || hdr.Get("Retry-After") == "" || strings.Contains(body, "ut_") || strings.Contains(body, "sqlite") {
		t.Errorf("create on a full store: %d %q %s, want 503 with Retry-After", code, hdr.Get("Retry-After"), body)
	}
}
