package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/store"
)

// TokenAdmin is the part of store.Store that token administration uses.
type TokenAdmin interface {
	CreateToken(ctx context.Context, t store.Token) error
	ListTokens(ctx context.Context) ([]store.Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error
}

var _ TokenAdmin = store.Store(nil)

// tokenJSON is a stored token as admins see it: never the token, never its hash.
type tokenJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Role      string     `json:"role"`
	Agent     string     `json:"agent,omitempty"`
	Teams     []string   `json:"teams,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Valid     bool       `json:"valid"`
}

func toTokenJSON(t store.Token, now time.Time) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Role: t.Role, Agent: t.Agent, Teams: t.Teams, CreatedAt: t.CreatedAt,
		Valid: t.Valid(now)}
	if !t.ExpiresAt.IsZero() {
		e := t.ExpiresAt
		out.ExpiresAt = &e
	}
	if !t.RevokedAt.IsZero() {
		r := t.RevokedAt
		out.RevokedAt = &r
	}
	return out
}

func (s *Server) tokenAdmin(w http.ResponseWriter) bool {
	if s.p.Tokens == nil {
		writeError(w, http.StatusServiceUnavailable, "no token store configured")
		return false
	}
	return true
}

// listTokens is GET /v1/tokens (admin).
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	if !s.tokenAdmin(w) {
		return
	}
	ts, err := s.p.Tokens.ListTokens(r.Context())
	if err != nil {
		s.storeError(w, "list tokens", err)
		return
	}
	now := time.Now()
	out := make([]tokenJSON, len(ts))
	for i, t := range ts {
		out[i] = toTokenJSON(t, now)
	}
	writeJSON(w, 200, map[string]any{"tokens": out})
}

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	Role    string   `json:"role"`
	Agent   string   `json:"agent,omitempty"`
	Teams   []string `json:"teams,omitempty"`
	Name    string   `json:"name,omitempty"`
	Expires string   `json:"expires,omitempty"` // Go duration, e.g. "720h"; empty = never
}

// Validate checks a request and returns the role and lifetime; the error names the field.
func (q TokenRequest) Validate() (auth.Role, time.Duration, error) {
	role, err := auth.ParseRole(q.Role)
	if err != nil {
		return "", 0, badParam("role", "want integrator, agent, supervisor or admin")
	}
	if role == auth.AgentRole && q.Agent == "" {
		return "", 0, badParam("agent", "an agent token must name its agent")
	}
	if role != auth.AgentRole && q.Agent != "" {
		return "", 0, badParam("agent", "only agent tokens are bound to an agent")
	}
	if len(q.Agent) > 64 || len(q.Name) > 100 || len(q.Teams) > 100 {
		return "", 0, badParam("agent/name/teams", "too long")
	}
	for _, t := range q.Teams {
		if t == "" || len(t) > 64 || strings.ContainsAny(t, ",") {
			return "", 0, badParam("teams", "each team 1..64 characters, no commas")
		}
	}
	var ttl time.Duration
	if q.Expires != "" {
		if ttl, err = time.ParseDuration(q.Expires); err != nil || ttl <= 0 {
			return "", 0, badParam("expires", "want a positive duration such as 720h")
		}
	}
	return role, ttl, nil
}

// createToken is POST /v1/tokens (admin): the answer carries the new token, the only
// time it is shown; the store keeps its SHA-256.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.tokenAdmin(w) {
		return
	}
	var req TokenRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, 400, "body: "+clip.String(err.Error(), clip.Max)) // json: unknown field "…" quotes the client
		return
	}
	role, ttl, err := req.Validate()
	if err != nil {
		writeError(w, 400, err.Error())
		return
	}
	tok, t := auth.NewToken(role, req.Agent, req.Teams, req.Name, ttl, time.Now())
	if err := s.p.Tokens.CreateToken(r.Context(), t); err != nil {
		s.storeError(w, "create token", err)
		return
	}
	s.p.Log.Info("token created", "id", t.ID, "role", role, "agent", req.Agent, "by", p.Name)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "info": toTokenJSON(t, time.Now())})
}

// revokeToken is DELETE /v1/tokens/{id} (admin). Other nodes stop accepting the token
// within their cache lifetime (2 s by default).
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.tokenAdmin(w) {
		return
	}
	id := r.PathValue("id")
	err := s.p.Tokens.RevokeToken(r.Context(), id, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no token "+clip.Quote(id))
		return
	}
	if err != nil {
		s.storeError(w, "revoke token", err)
		return
	}
	s.p.Log.Info("token revoked", "id", id, "by", p.Name)
	w.WriteHeader(http.StatusNoContent)
}
