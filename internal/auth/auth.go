// Package auth decides who a bearer token belongs to and what that principal may do.
// Tokens are kept only as SHA-256 hashes; roles are integrator (ingest, transcripts),
// agent (the calls assigned to them), supervisor (all calls of their teams, trends) and
// admin (everything, tokens). Tokens come from UNDERTONE_TOKENS (Static) and from the
// store (StoreAuth, made by `undertone token create`).
//
// Stage: at the edge, in the HTTP layer, before any handler touches a call.
package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Role of a token.
type Role string

// Roles.
const (
	Integrator Role = "integrator"
	AgentRole  Role = "agent"
	Supervisor Role = "supervisor"
	Admin      Role = "admin"
)

// ParseRole accepts the role names above.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Integrator, AgentRole, Supervisor, Admin:
		return r, nil
	}
	return "", fmt.Errorf("auth: role %q: %w", s, ErrRole)
}

// Principal is who a request acts as.
type Principal struct {
	Role  Role
	Agent string   // agent id, for agent tokens that are bound to one agent
	Teams []string // supervisor scope; empty = all teams
	Name  string   // for logs: never the token itself
	// ID identifies the token behind every credential made from it (bearer token or
	// browser session): "tok_…" for stored tokens, "static:" and a prefix of the hash for
	// configured ones. Limits and call ownership are keyed on it.
	ID       string
	MaxCalls int // integrator tokens: concurrent calls it may open; 0 = the node's default
}

// Action is something a principal may be allowed to do.
type Action int

// Actions checked by the HTTP layer.
const (
	Ingest     Action = iota // publish audio, push transcripts
	ViewCall                 // watch one call's events (agents: own calls only)
	ListCalls                // list calls (agents see their own)
	ViewAll                  // wallboard, trends, every call
	Administer               // tokens, config
	Feedback                 // rate hints
	Metrics                  // scrape /metrics
	Self                     // ask who one is (GET /v1/me): every valid token
)

// Can reports whether p may do a on a call assigned to callAgent ("" = unassigned).
// Agent tokens bound to an agent id see only that agent's calls — an unassigned call has
// no owner, so it is not theirs; unbound agent tokens (development, demos) see every call.
// Team scope is checked by SeesCall.
func (p Principal) Can(a Action, callAgent string) bool {
	if a == Self {
		return p.Role == Admin || p.Role == Integrator || p.Role == Supervisor || p.Role == AgentRole
	}
	switch p.Role {
	case Admin:
		return true
	case Integrator:
		return a == Ingest || a == Metrics
	case Supervisor:
		return a == ViewCall || a == ListCalls || a == ViewAll || a == Feedback || a == Metrics
	case AgentRole:
		switch a {
		case ListCalls: // the listing is narrowed to their calls
			return true
		case ViewCall, Feedback:
			return p.Agent == "" || callAgent == p.Agent
		}
		return false
	}
	return false
}

// SeesCall reports whether p may watch a call assigned to agent in team: Can(ViewCall)
// and, for supervisors bound to teams, the call's team is one of theirs (a call with no
// team is outside every team scope).
func (p Principal) SeesCall(agent, team string) bool {
	if !p.Can(ViewCall, agent) {
		return false
	}
	return p.Role != Supervisor || p.InTeams(team)
}

// InTeams reports whether team is within p's team scope (always, when p has no teams).
func (p Principal) InTeams(team string) bool {
	return len(p.Teams) == 0 || slices.Contains(p.Teams, team)
}

// Errors.
var (
	ErrNoToken = errors.New("missing bearer token")
	ErrToken   = errors.New("invalid token")
	ErrRole    = errors.New("unknown role")
	ErrSpec    = errors.New("malformed token list")
)

// Authenticator resolves a presented token.
type Authenticator interface {
	Authenticate(token string) (Principal, error)
}

// Hash is the stored form of a token.
func Hash(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Static is an in-memory token table, e.g. from UNDERTONE_TOKENS. Only hashes are kept.
type Static struct {
	mu sync.RWMutex
	by map[[32]byte]Principal
}

var _ Authenticator = (*Static)(nil)

// ParseTokens reads comma-separated "role:token[:agent[:team|team…]]" items, e.g.
// "agent:s3cret-a17:A17" or "supervisor:s3cret-sup::red|blue" (a supervisor of two teams).
// Tokens shorter than 8 characters are refused.
func ParseTokens(spec string) (*Static, error) {
	s := &Static{by: map[[32]byte]Principal{}}
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.Split(item, ":")
		if len(parts) < 2 || len(parts) > 4 {
			return nil, fmt.Errorf("auth: token %d: want role:token[:agent[:team|team]]: %w", i+1, ErrSpec)
		}
		role, err := ParseRole(parts[0])
		if err != nil {
			return nil, fmt.Errorf("auth: token %d: %w", i+1, err)
		}
		if len(parts[1]) < 8 {
			return nil, fmt.Errorf("auth: token %d (%s): shorter than 8 characters: %w", i+1, role, ErrSpec)
		}
		p := Principal{Role: role, Name: fmt.Sprintf("%s#%d", role, i+1)}
		if len(parts) >= 3 {
			p.Agent = parts[2]
		}
		if len(parts) == 4 {
			for _, t := range strings.Split(parts[3], "|") {
				if t = strings.TrimSpace(t); t != "" {
					p.Teams = append(p.Teams, t)
				}
			}
		}
		if p.Agent != "" && role != AgentRole {
			return nil, fmt.Errorf("auth: token %d (%s): only agent tokens name an agent: %w", i+1, role, ErrSpec)
		}
		s.Add(parts[1], p)
	}
	return s, nil
}

// Add registers a token. A principal without an ID gets one derived from the hash.
func (s *Static) Add(token string, p Principal) {
	h := Hash(token)
	if p.ID == "" {
		p.ID = "static:" + hex.EncodeToString(h[:8])
	}
	s.mu.Lock()
	s.by[h] = p
	s.mu.Unlock()
}

// Key is what per-principal limits and ownership are keyed on: the ID, else the name.
func (p Principal) Key() string {
	if p.ID != "" {
		return p.ID
	}
	return p.Name
}

// Len returns the number of tokens.
func (s *Static) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.by)
}

// Authenticate implements Authenticator.
func (s *Static) Authenticate(token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrNoToken
	}
	s.mu.RLock()
	p, ok := s.by[Hash(token)]
	s.mu.RUnlock()
	if !ok {
		return Principal{}, ErrToken
	}
	return p, nil
}
