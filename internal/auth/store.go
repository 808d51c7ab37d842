package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// TokenStore is the part of store.Store the authenticator reads.
type TokenStore interface {
	TokenByHash(ctx context.Context, hash [32]byte) (store.Token, error)
}

// ErrUnavailable is returned when the token store cannot be asked.
var ErrUnavailable = errors.New("token store unavailable")

// StoreConfig tunes a StoreAuth.
type StoreConfig struct {
	// CacheTTL is how long a lookup (found or not) is reused; a revoked token stops
	// working at most this long after RevokeToken. Default 2 s.
	CacheTTL time.Duration
	// CacheMax bounds the cache; when full it is emptied. Default 10 000.
	CacheMax int
	// Timeout bounds one store lookup. Default 2 s.
	Timeout time.Duration
	// Now is the clock (tests step it); default time.Now.
	Now func() time.Time
}

// StoreAuth checks tokens against a static table first (UNDERTONE_TOKENS) and then the
// store's hashed tokens (expiry, revocation, bound agent and teams), with a short cache
// so that a busy websocket page does not hit the database on every request.
type StoreAuth struct {
	static *Static // may be nil
	st     TokenStore
	cfg    StoreConfig

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	p       Principal
	err     error
	until   time.Time // cache entry expiry
	expires time.Time // token expiry (zero: never)
}

var _ Authenticator = (*StoreAuth)(nil)

// NewStoreAuth returns an authenticator over static (may be nil) and st (may be nil).
func NewStoreAuth(static *Static, st TokenStore, cfg StoreConfig) *StoreAuth {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 2 * time.Second
	}
	if cfg.CacheMax <= 0 {
		cfg.CacheMax = 10000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &StoreAuth{static: static, st: st, cfg: cfg,
		cache: map[[32]byte]cached{}}
}

// Authenticate implements Authenticator. Static tokens win; a store token must be
// neither revoked nor expired. A store that cannot be asked gives ErrUnavailable (the
// HTTP layer answers 503, not 401, so clients retry rather than drop their token).
func (a *StoreAuth) Authenticate(token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrNoToken
	}
	if a.static != nil {
		if p, err := a.static.Authenticate(token); err == nil {
			return p, nil
		}
	}
	if a.st == nil {
		return Principal{}, ErrToken
	}
	h := Hash(token)
	now := a.cfg.Now()
	a.mu.Lock()
	c, ok := a.cache[h]
	a.mu.Unlock()
	if ok && now.Before(c.until) {
		if c.err == nil && !c.expires.IsZero() && !now.Before(c.expires) {
			return Principal{}, fmt.Errorf("token expired: %w", ErrToken)
		}
		return c.p, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout)
	defer cancel()
	t, err := a.st.TokenByHash(ctx, h)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = cached{err: ErrToken}
	case err != nil:
		return Principal{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	case !t.RevokedAt.IsZero():
		c = cached{err: fmt.Errorf("token revoked: %w", ErrToken)}
	case !t.Valid(now):
		c = cached{err: fmt.Errorf("token expired: %w", ErrToken)}
	default:
		role, rerr := ParseRole(t.Role)
		if rerr != nil {
			c = cached{err: fmt.Errorf("stored token %s: %w", t.ID, rerr)}
			break
		}
		name := t.ID
		if t.Name != "" {
			name = t.Name + " (" + t.ID + ")"
		}
		c = cached{p: Principal{Role: role, Agent: t.Agent, Teams: t.Teams, Name: name, ID: t.ID}, expires: t.ExpiresAt}
	}
	c.until = now.Add(a.cfg.CacheTTL)
	a.mu.Lock()
	if len(a.cache) >= a.cfg.CacheMax {
		clear(a.cache)
	}
	a.cache[h] = c
	a.mu.Unlock()
	return c.p, c.err
}

// Forget drops a token from the cache at once (after a revocation on this node).
func (a *StoreAuth) Forget(hash [32]byte) {
	a.mu.Lock()
	delete(a.cache, hash)
	a.mu.Unlock()
}

// NewToken makes a random token (prefix "ut_", 32 random bytes, hex) and its stored
// record; the caller stores t and shows the token once.
func NewToken(role Role, agent string, teams []string, name string, ttl time.Duration, now time.Time) (token string, t store.Token) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = "ut_" + hex.EncodeToString(b[:])
	var id [6]byte
	_, _ = rand.Read(id[:])
	t = store.Token{ID: "tok_" + hex.EncodeToString(id[:]), Name: name, Role: string(role), Agent: agent,
		Teams: teams, Hash: Hash(token), CreatedAt: now.UTC()}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl).UTC()
	}
	return token, t
}
