package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
)

// queryTokenRefused is the 401 for a REST request whose only credential is ?token=.
const queryTokenRefused = "?token= is accepted on websockets only: send the token in an Authorization: Bearer header"

// authenticate resolves a credential for the API's routes and POST /v1/session. It
// answers itself and reports ok=false when the credential's source has failed too often
// (429, before the store is asked), when the token store cannot be asked (503) or when
// the credential is missing or wrong (401; queryOnly: the only one was a REST ?token=).
//
// Only bearer tokens count against their source address (auth.Failures): an unknown
// session cookie costs no store query (session ids are 192 random bits; guessing them is
// hopeless) and a browser with a stale cookie behind an office NAT must not lock out its
// colleagues. For the same reason a blocked source still gets through with a token that
// authenticated lately.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, tok string, queryOnly bool) (auth.Principal, bool) {
	bearer := tok != "" && !strings.HasPrefix(tok, auth.SessionPrefix)
	var key [32]byte
	if bearer {
		key = auth.Hash(tok)
		if blocked, wait := s.failures.Blocked(r.RemoteAddr, key); blocked {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			writeError(w, http.StatusTooManyRequests, "too many failed authentication attempts from this address")
			return auth.Principal{}, false
		}
	}
	p, err := s.sessions.Authenticate(tok)
	switch {
	case errors.Is(err, auth.ErrUnavailable):
		s.p.Log.Error("authenticating", "err", err)
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, "token store unavailable")
		return p, false
	case err != nil:
		if bearer {
			s.failures.Fail(r.RemoteAddr)
		}
		msg := err.Error()
		if queryOnly {
			msg = queryTokenRefused
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
		writeError(w, http.StatusUnauthorized, msg)
		return p, false
	}
	if bearer {
		s.failures.Succeeded(key)
	}
	return p, true
}
