package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// SessionPrefix starts every session id, so it can never be mistaken for a token.
const SessionPrefix = "uts_"

// MaxSession is the longest a browser session lasts.
const MaxSession = 12 * time.Hour

// Session table bounds (SessionConfig defaults).
const (
	// DefaultSessionsPerToken is how many browsers one token keeps signed in: room for a
	// wallboard token shown on many screens; beyond it, give screens tokens of their own.
	DefaultSessionsPerToken = 64
	DefaultMaxSessions      = 10_000 // sessions one node holds
)

// ErrTooManySessions is returned by New when the node's session table is full of
// unexpired sessions: the HTTP layer answers 503 with Retry-After.
var ErrTooManySessions = errors.New("session table full")

// SessionConfig bounds a Sessions table. Zero fields take the defaults.
type SessionConfig struct {
	Now      func() time.Time // clock [time.Now]
	PerToken int              // sessions one token may hold; the oldest is ended for a new one [64]
	Max      int              // sessions in all; beyond it New refuses [10 000]
}

// Sessions lets a browser trade its token once for a random session id kept in an
// HttpOnly cookie, so pages need not carry the token in URLs (history, logs, Referer).
// A session id resolves to the token it was made from, which is checked again by the
// wrapped authenticator on every use: revoking or expiring the token ends its sessions.
// Sessions live in this process's memory: after a restart the page asks for a new one.
//
// The table is bounded twice. Per token: a token holds at most PerToken sessions, and a
// new one ends that token's oldest (a person who signs in from one browser more does not
// lock themselves out; whoever floods POST /v1/session with a token only churns that
// token's own sessions). In all: at most Max sessions; when the table is full of
// unexpired ones New refuses (ErrTooManySessions) rather than end another token's.
// A session resolves to the principal of the token it was made from, ID and all, so limits
// keyed on Principal.Key are shared by a token and all its cookies.
type Sessions struct {
	inner Authenticator
	cfg   SessionConfig

	mu      sync.Mutex
	by      map[[32]byte]session    // key: hash of the session id; only hashes are kept
	byToken map[[32]byte][][32]byte // token hash → its sessions' keys, oldest first
	swept   time.Time
}

type session struct {
	token   string
	tokKey  [32]byte
	expires time.Time
}

var _ Authenticator = (*Sessions)(nil)

// NewSessions wraps inner.
func NewSessions(inner Authenticator, cfg SessionConfig) *Sessions {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PerToken <= 0 {
		cfg.PerToken = DefaultSessionsPerToken
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultMaxSessions
	}
	return &Sessions{inner: inner, cfg: cfg, by: map[[32]byte]session{}, byToken: map[[32]byte][][32]byte{}}
}

// Authenticate implements Authenticator for tokens and session ids alike: a session gives
// its token's principal (the same Key). A principal with neither ID nor Name gets an ID
// derived from the token, so that no two tokens share a Key.
func (s *Sessions) Authenticate(token string) (Principal, error) {
	if strings.HasPrefix(token, SessionPrefix) {
		t, ok := s.token(token)
		if !ok {
			return Principal{}, fmt.Errorf("session expired or unknown: %w", ErrToken)
		}
		token = t
	}
	p, err := s.inner.Authenticate(token)
	if err == nil && p.ID == "" && p.Name == "" { // an inner authenticator that names no one
		h := Hash(token)
		p.ID = "token:" + hex.EncodeToString(h[:8])
	}
	return p, err
}

// New exchanges a valid token for a session id that lasts MaxSession.
func (s *Sessions) New(token string) (id string, p Principal, expires time.Time, err error) {
	if strings.HasPrefix(token, SessionPrefix) {
		return "", Principal{}, time.Time{}, fmt.Errorf("a session cannot make a session: %w", ErrToken)
	}
	if p, err = s.Authenticate(token); err != nil {
		return "", Principal{}, time.Time{}, err
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	id = SessionPrefix + hex.EncodeToString(b[:])
	now := s.cfg.Now()
	expires = now.Add(MaxSession)
	tk := Hash(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > time.Minute || len(s.by) >= s.cfg.Max {
		s.sweepLocked(now)
	}
	own := s.byToken[tk]
	if len(own) < s.cfg.PerToken && len(s.by) >= s.cfg.Max {
		return "", Principal{}, time.Time{}, fmt.Errorf("auth: %d sessions: %w", len(s.by), ErrTooManySessions)
	}
	for len(own) >= s.cfg.PerToken { // end this token's oldest
		delete(s.by, own[0])
		own = own[1:]
	}
	k := Hash(id)
	s.by[k] = session{token: token, tokKey: tk, expires: expires}
	s.byToken[tk] = append(own, k)
	return id, p, expires, nil
}

// sweepLocked forgets expired sessions.
func (s *Sessions) sweepLocked(now time.Time) {
	for k, v := range s.by {
		if !now.Before(v.expires) {
			s.removeLocked(k, v.tokKey)
		}
	}
	s.swept = now
}

func (s *Sessions) removeLocked(k, tokKey [32]byte) {
	delete(s.by, k)
	own := s.byToken[tokKey]
	for i, o := range own {
		if o == k {
			own = append(own[:i:i], own[i+1:]...)
			break
		}
	}
	if len(own) == 0 {
		delete(s.byToken, tokKey)
	} else {
		s.byToken[tokKey] = own
	}
}

// End forgets a session id (logout). Unknown ids are ignored.
func (s *Sessions) End(id string) {
	k := Hash(id)
	s.mu.Lock()
	if v, ok := s.by[k]; ok {
		s.removeLocked(k, v.tokKey)
	}
	s.mu.Unlock()
}

// Len is the number of sessions held (expired ones until the next sweep).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.by)
}

func (s *Sessions) token(id string) (string, bool) {
	k := Hash(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.by[k]
	if !ok {
		return "", false
	}
	if !s.cfg.Now().Before(v.expires) {
		s.removeLocked(k, v.tokKey)
		return "", false
	}
	return v.token, true
}
