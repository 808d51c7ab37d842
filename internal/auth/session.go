package auth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// SessionPrefix starts every session id, so it can never be mistaken for a token.
const SessionPrefix = "uts_"

// MaxSession is the longest a browser session lasts.
const MaxSession = 12 * time.Hour

// Sessions lets a browser trade its token once for a random session id kept in an
// HttpOnly cookie, so pages need not carry the token in URLs (history, logs, Referer).
// A session id resolves to the token it was made from, which is checked again by the
// wrapped authenticator on every use: revoking or expiring the token ends its sessions.
// Sessions live in this process's memory: after a restart the page asks for a new one.
type Sessions struct {
	inner Authenticator
	now   func() time.Time

	mu sync.Mutex
	by map[[32]byte]session // key: hash of the session id; only hashes are kept
}

type session struct {
	token   string
	expires time.Time
}

var _ Authenticator = (*Sessions)(nil)

// NewSessions wraps inner; now is the clock (nil: time.Now).
func NewSessions(inner Authenticator, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{inner: inner, now: now, by: map[[32]byte]session{}}
}

// Authenticate implements Authenticator for tokens and session ids alike.
func (s *Sessions) Authenticate(token string) (Principal, error) {
	if strings.HasPrefix(token, SessionPrefix) {
		t, ok := s.token(token)
		if !ok {
			return Principal{}, fmt.Errorf("session expired or unknown: %w", ErrToken)
		}
		token = t
	}
	return s.inner.Authenticate(token)
}

// New exchanges a valid token for a session id that lasts MaxSession.
func (s *Sessions) New(token string) (id string, p Principal, expires time.Time, err error) {
	if strings.HasPrefix(token, SessionPrefix) {
		return "", Principal{}, time.Time{}, fmt.Errorf("a session cannot make a session: %w", ErrToken)
	}
	if p, err = s.inner.Authenticate(token); err != nil {
		return "", Principal{}, time.Time{}, err
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	id = SessionPrefix + hex.EncodeToString(b[:])
	now := s.now()
	expires = now.Add(MaxSession)
	s.mu.Lock()
	for k, v := range s.by { // sweep: one session per browser login, few
		if !now.Before(v.expires) {
			delete(s.by, k)
		}
	}
	s.by[Hash(id)] = session{token: token, expires: expires}
	s.mu.Unlock()
	return id, p, expires, nil
}

// End forgets a session id (logout). Unknown ids are ignored.
func (s *Sessions) End(id string) {
	s.mu.Lock()
	delete(s.by, Hash(id))
	s.mu.Unlock()
}

// Len is the number of sessions held (expired ones until the next sweep).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.by)
}

func (s *Sessions) token(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.by[Hash(id)]
	if !ok {
		return "", false
	}
	if !s.now().Before(v.expires) {
		delete(s.by, Hash(id))
		return "", false
	}
	return v.token, true
}
