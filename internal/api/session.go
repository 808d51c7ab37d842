package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
)

// SessionCookie carries a browser session id, so pages need not keep a token in URLs.
const SessionCookie = "undertone_session"

// newSession is POST /v1/session with the token in the Authorization header (never in the
// URL): it answers with an HttpOnly, SameSite=Strict cookie (Secure over TLS) holding a
// session id, and the principal's role, agent and teams so the page can adapt. The
// cookie then authenticates every route and websocket of the same origin.
//
// Minting is limited like any request: failed attempts per source address, the token's
// request rate (shared with its cookies), at most auth.DefaultSessionsPerToken sessions
// per token (a new one ends the token's oldest) and a bounded table (full: 503).
func (s *Server) newSession(w http.ResponseWriter, r *http.Request) {
	tok, ok := cutBearer(r.Header.Get("Authorization"))
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
		writeError(w, http.StatusUnauthorized, "POST /v1/session wants the token in an Authorization: Bearer header")
		return
	}
	if strings.HasPrefix(tok, auth.SessionPrefix) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
		writeError(w, http.StatusUnauthorized, "a session cannot make a session: send the token")
		return
	}
	p, ok := s.authenticate(w, r, tok, false)
	if !ok {
		return
	}
	if ok, wait := s.p.Limiter.Allow(p.Key()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "request rate limit of this token reached")
		return
	}
	id, p, exp, err := s.sessions.New(tok)
	switch {
	case errors.Is(err, auth.ErrTooManySessions):
		s.p.Log.Warn("session table full", "err", err)
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusServiceUnavailable, "too many browser sessions on this node; try again later")
		return
	case errors.Is(err, auth.ErrUnavailable):
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, "token store unavailable")
		return
	case err != nil:
		w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	maxAge := int(time.Until(exp).Seconds())
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	teams := p.Teams
	if teams == nil {
		teams = []string{}
	}
	writeJSON(w, 200, map[string]any{"role": p.Role, "agent": p.Agent, "teams": teams, "expires": exp,
		"max_age_s": maxAge})
}

// endSession is DELETE /v1/session: forgets the cookie's session and clears the cookie.
// It needs no other credential: it can only end the session it presents.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if id := sessionCookie(r); id != "" {
		s.sessions.End(id)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// cutBearer takes the token out of an Authorization header value ("Bearer T", any case).
func cutBearer(h string) (string, bool) {
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// sessionCookie is the session cookie's value, or "".
func sessionCookie(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}
