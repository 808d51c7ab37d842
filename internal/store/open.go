package store

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Opener opens a store for a DSN or path its backend accepts.
type Opener func(ctx context.Context, dsn string) (Store, error)

// Backend is a store implementation a DSN can select.
type Backend struct {
	Name    string
	Accepts func(dsn string) bool
	Open    Opener
}

var (
	backendsMu sync.RWMutex
	backends   = map[string]Backend{}
)

// Register makes a backend available to Open. Backends call it from init; a second
// registration under the same name replaces the first.
func Register(b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	backends[b.Name] = b
}

// Open opens the store dsnOrPath names: a "postgres://" or "postgresql://" URL selects
// Postgres, anything else is a SQLite file path (the backend must have been imported).
// Backends are tried in name order; the first that accepts the DSN opens it.
func Open(ctx context.Context, dsnOrPath string) (Store, error) {
	backendsMu.RLock()
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	var bs []Backend
	for _, n := range names {
		bs = append(bs, backends[n])
	}
	backendsMu.RUnlock()
	for _, b := range bs {
		if b.Accepts(dsnOrPath) {
			return b.Open(ctx, dsnOrPath)
		}
	}
	return nil, fmt.Errorf("store: %q (registered: %v; import internal/store/sqlite and internal/store/postgres in main): %w",
		redactDSN(dsnOrPath), names, ErrNoBackend)
}

// IsPostgresDSN reports whether s is a Postgres connection URL.
func IsPostgresDSN(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// redactDSN hides a password in a URL for error messages.
func redactDSN(s string) string {
	if !IsPostgresDSN(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable postgres URL)"
	}
	return u.Redacted()
}
