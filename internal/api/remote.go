package api

import (
	"encoding/json"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// remoteCall describes a call this node does not run and has not stored, from the
// call.started event its hub received over the cluster bus (NATS): a supervisor or agent
// connected to any node can follow any call.
func (s *Server) remoteCall(id string) (call.Info, bool) {
	if s.p.Hub == nil {
		return call.Info{}, false
	}
	raw, ended, ok := s.p.Hub.Started(id)
	if !ok {
		return call.Info{}, false
	}
	var ev struct {
		Data event.CallInfo `json:"data"`
	}
	if err := json.Unmarshal(raw.Body, &ev); err != nil {
		return call.Info{}, false
	}
	d := ev.Data
	in := call.Info{ID: id, State: call.Live, Source: d.Source, Agent: d.Agent,
		Team: d.Meta["team"], Queue: d.Meta["queue"], Parties: d.Parties,
		StartedAt: time.UnixMilli(d.StartedAt).UTC()}
	if in.Parties == nil {
		in.Parties = []event.Party{}
	}
	if ended {
		in.State = call.Ended
	}
	return in, true
}
