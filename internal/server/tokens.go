package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// hasValidStoredToken reports whether the store holds a token that can be used now; a
// store that cannot say counts as having one, so a hiccup never opens an admin token.
func hasValidStoredToken(ctx context.Context, st store.Store) bool {
	ts, err := st.ListTokens(ctx)
	if err != nil {
		return true
	}
	now := time.Now()
	for _, t := range ts {
		if t.Valid(now) {
			return true
		}
	}
	return false
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
