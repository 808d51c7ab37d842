package sqlstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// CreateToken implements store.Store.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if t.ID == "" || t.Role == "" || t.Hash == ([32]byte{}) {
		return fmt.Errorf("%s: create token: id, role and hash are required: %w", s.D.Name, store.ErrInvalid)
	}
	teams := t.Teams
	if teams == nil {
		teams = []string{}
	}
	tj, err := jsonText(teams)
	if err != nil {
		return fmt.Errorf("%s: create token %s: %w", s.D.Name, t.ID, err)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	_, err = s.W.Exec(ctx, `INSERT INTO tokens (id, name, role, agent, teams, hash, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Name, t.Role, t.Agent, tj, hex.EncodeToString(t.Hash[:]), ms(t.CreatedAt), ms(t.ExpiresAt), ms(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("%s: create token %s: %w", s.D.Name, t.ID, err)
	}
	return nil
}

func (s *Store) tokenSelect() string {
	return `SELECT id, name, role, agent, ` + s.D.JSONText("teams") + `, hash, created_at, expires_at, revoked_at FROM tokens`
}

func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var teams, hash string
	var created, expires, revoked int64
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &t.Agent, &teams, &hash, &created, &expires, &revoked); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(teams), &t.Teams); err != nil {
		return t, fmt.Errorf("token %s teams: %w", t.ID, err)
	}
	if len(t.Teams) == 0 {
		t.Teams = nil
	}
	h, err := hex.DecodeString(hash)
	if err != nil || len(h) != len(t.Hash) {
		return t, fmt.Errorf("token %s: stored hash is not SHA-256 hex", t.ID)
	}
	copy(t.Hash[:], h)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromMS(created), fromMS(expires), fromMS(revoked)
	return t, nil
}

// TokenByHash implements store.Store.
func (s *Store) TokenByHash(ctx context.Context, hash [32]byte) (store.Token, error) {
	t, err := scanToken(s.R.QueryRow(ctx, s.tokenSelect()+` WHERE hash = $1`, hex.EncodeToString(hash[:])))
	if errors.Is(err, ErrNoRows) {
		return store.Token{}, fmt.Errorf("%s: token: %w", s.D.Name, store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("%s: token: %w", s.D.Name, err)
	}
	return t, nil
}

// ListTokens implements store.Store.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.R.Query(ctx, s.tokenSelect()+` ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("%s: list tokens: %w", s.D.Name, err)
	}
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: list tokens: %w", s.D.Name, err)
		}
		out = append(out, t)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: list tokens: %w", s.D.Name, err)
	}
	return out, nil
}

// RevokeToken implements store.Store. Revoking twice keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	n, err := s.W.Exec(ctx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END WHERE id = $2`, ms(at), id)
	if err != nil {
		return fmt.Errorf("%s: revoke token %s: %w", s.D.Name, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: revoke token %s: %w", s.D.Name, id, store.ErrNotFound)
	}
	return nil
}
