package whip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/httperr"
	"github.com/undertone/undertone/internal/ingest"
)

// Mount adds the WHIP endpoint (RFC 9725) under BasePath: POST an offer, DELETE a
// session, OPTIONS for discovery; PATCH (trickle ICE) is refused with 405.
func (s *Server) Mount(m ingest.Mux) {
	base := strings.TrimRight(s.cfg.BasePath, "/")
	m.Handle("POST "+base, m.Authed(auth.Ingest, s.ServeOffer))
	m.Handle("DELETE "+base+"/{session}", m.Authed(auth.Ingest, s.ServeDelete))
	m.Handle("PATCH "+base+"/{session}", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "DELETE")
		httperr.WriteMsg(w, http.StatusMethodNotAllowed, "whip: trickle ICE is not supported; the answer carries all candidates")
	}))
	m.Handle("OPTIONS "+base, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Accept-Post", "application/sdp")
		w.WriteHeader(http.StatusNoContent)
	}))
}

// ParseQuery reads the offer's query: call, party and the call metadata (agent, team,
// queue, lang, playbook). An agent token publishing its own call is its agent.
func ParseQuery(r *http.Request, p auth.Principal) (OfferParams, error) {
	q := r.URL.Query()
	op := OfferParams{Principal: p, Call: q.Get("call"), Meta: ingest.Meta{}}
	for _, k := range ingest.MetaKeys {
		op.Meta.Set(k, q.Get(k))
	}
	if op.Meta[ingest.MetaAgent] == "" && p.Role == auth.AgentRole {
		op.Meta.Set(ingest.MetaAgent, p.Agent)
	}
	if err := op.Meta.Check(); err != nil {
		return op, err
	}
	if v := q.Get("party"); v != "" {
		party, err := event.ParseParty(v)
		if err != nil {
			return op, err
		}
		op.Party = party
	}
	return op, nil
}

// ServeOffer is the handler for POST on the WHIP endpoint (p authenticated).
func (s *Server) ServeOffer(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/sdp" {
		httperr.WriteMsg(w, http.StatusUnsupportedMediaType, "whip: Content-Type must be application/sdp")
		return
	}
	op, err := ParseQuery(r, p)
	if err != nil {
		httperr.Write(w, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httperr.WriteMsg(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("whip: offer larger than %d bytes", mbe.Limit))
			return
		}
		httperr.WriteMsg(w, http.StatusBadRequest, "whip: reading the offer failed")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.GatherTimeout+5*time.Second)
	defer cancel()
	ans, err := s.Offer(ctx, body, op)
	if err != nil {
		if httperr.Status(err) == http.StatusInternalServerError {
			s.log.Error("whip offer failed", "err", err)
		}
		httperr.Write(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", strings.TrimRight(s.cfg.BasePath, "/")+"/"+ans.Session)
	w.Header().Set("X-Undertone-Call", ans.Call)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, ans.SDP)
}

// ServeDelete is the handler for DELETE on a session's Location.
func (s *Server) ServeDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := s.Delete(r.PathValue("session"), p); err != nil {
		httperr.Write(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
