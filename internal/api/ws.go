package api

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/wallboard"
)

// wsCall is GET /v1/ws/calls/{id}[?since=SEQ]: one call's events. A call that has not
// started yet is waited for (CallWait): the viewer is checked when it starts — an agent
// it is not assigned to is closed with 4403 and a reason, and never sees its events — and
// a call that does not start in time closes with 4404. A call the hub no longer holds
// (ended long ago) gets its stored end and closes with 4410.
func (s *Server) wsCall(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var since uint64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since must be a sequence number")
			return
		}
		since = n
	}
	in, found, ok := s.find(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	sub := hub.Subscription{Call: id, Since: since}
	if found && !s.mayView(w, p, in) {
		return
	}
	if !found || in.EndedAt == nil {
		// Not started, or live but its call.started still on the bus (a viewer that
		// connects as the call opens; a call on another node): wait for it. Only a call
		// that has ended may be answered with its stored end.
		sub.WaitUntil = time.Now().Add(s.p.CallWait)
	}
	if !found {
		release, ok := s.waits.acquire(p.Key(), s.p.WaitsPerToken)
		if !ok {
			writeError(w, http.StatusTooManyRequests, "this token already waits for "+strconv.Itoa(s.p.WaitsPerToken)+" calls to start")
			return
		}
		defer release()
		sub.Allow = func(m hub.CallMeta) (bool, string) { return viewable(p, id, m.Agent, m.Team) }
	}
	err := s.p.Hub.Serve(w, r, sub)
	if errors.Is(err, hub.ErrNoCall) { // only without WaitUntil: an ended call
		err = s.p.Hub.ServeEnded(w, r, endedEvents(in), "call "+id+" has ended; its record is at /v1/calls/"+id+"/timeline")
	}
	if err != nil && !errors.Is(err, hub.ErrClosed) {
		s.p.Log.Debug("websocket ended", "call", id, "err", err)
	}
}

// endedEvents is a stored call's end as the call.ended event its viewers would have had.
func endedEvents(in call.Info) []event.Raw {
	ci := event.CallInfo{Source: in.Source, Parties: in.Parties, StartedAt: in.StartedAt.UnixMilli(),
		Reason: in.Reason, Agent: in.Agent, Summary: in.Summary}
	if in.Team != "" || in.Queue != "" {
		ci.Meta = map[string]string{"team": in.Team, "queue": in.Queue}
	}
	ts := in.StartedAt
	if in.EndedAt != nil {
		ci.EndedAt, ts = in.EndedAt.UnixMilli(), *in.EndedAt
	}
	raw, err := event.Marshal(&event.Event{V: event.Version, Type: event.CallEnded, Call: in.ID, TS: ts.UnixMilli(), Data: ci})
	if err != nil {
		return nil
	}
	return []event.Raw{raw}
}

// wsAll is the supervisor's all-calls stream: lifecycle, call.status (≤ 1/s per call),
// alerts and hints at once; never the high-rate cues. A supervisor bound to teams gets
// only their teams' calls: the hub knows each call's team from its call.started, once.
func (s *Server) wsAll(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	scoped := len(p.Teams) > 0 && p.Role != auth.Admin
	_ = s.p.Hub.Serve(w, r, hub.Subscription{Filter: func(raw event.Raw, meta hub.CallMeta) bool {
		return wallboard.SupervisorEvent(raw.Type) && (!scoped || p.InTeams(meta.Team))
	}})
}

// wsAgent is GET /v1/ws/agent[?agent=A17]: the agent desk — every event of every call
// routed to one agent, as the calls come and go, from the calls live now on. An agent
// token follows its own agent; supervisors (within their teams) and admins name one.
func (s *Server) wsAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	agent := r.URL.Query().Get("agent")
	switch {
	case p.Role == auth.AgentRole && p.Agent != "" && agent != "" && agent != p.Agent:
		writeError(w, http.StatusForbidden, "an agent token follows its own agent's calls only")
		return
	case p.Role == auth.AgentRole && p.Agent != "":
		agent = p.Agent
	case agent == "":
		writeError(w, http.StatusBadRequest, "name the agent: ?agent=ID")
		return
	case len(agent) > 64:
		writeError(w, http.StatusBadRequest, "agent: longer than 64 characters")
		return
	case p.Role == auth.Integrator:
		writeError(w, http.StatusForbidden, "role integrator may not do this")
		return
	}
	scoped := p.Role == auth.Supervisor && len(p.Teams) > 0
	_ = s.p.Hub.Serve(w, r, hub.Subscription{Filter: func(_ event.Raw, meta hub.CallMeta) bool {
		return meta.Known && meta.Agent == agent && (!scoped || p.InTeams(meta.Team))
	}})
}

// me is GET /v1/me: who the credential belongs to, so a page can tell a sign-in problem
// (401) from a permission one (403) and show the right desk.
func (s *Server) me(w http.ResponseWriter, _ *http.Request, p auth.Principal) {
	writeJSON(w, http.StatusOK, map[string]any{"role": p.Role, "agent": p.Agent, "teams": p.Teams, "name": p.Name})
}

// waits counts, per token, the websockets waiting for a call to start.
type waits struct {
	mu sync.Mutex
	n  map[string]int
}

func (wt *waits) acquire(key string, max int) (release func(), ok bool) {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if wt.n == nil {
		wt.n = map[string]int{}
	}
	if wt.n[key] >= max {
		return nil, false
	}
	wt.n[key]++
	return sync.OnceFunc(func() {
		wt.mu.Lock()
		defer wt.mu.Unlock()
		if wt.n[key]--; wt.n[key] <= 0 {
			delete(wt.n, key)
		}
	}), true
}
