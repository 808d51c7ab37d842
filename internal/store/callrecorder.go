package store

import (
	"context"

	"github.com/undertone/undertone/internal/call"
)

// ForRegistry adapts a store to the call registry's Recorder: a call's row is written when
// it starts and completed (state, reason, summary) when it ends.
func ForRegistry(st Store) call.Recorder { return registryRecorder{st} }

type registryRecorder struct{ st Store }

func (a registryRecorder) CallStarted(ctx context.Context, r call.Record) error {
	return a.st.CallStarted(ctx, FromCall(r))
}

func (a registryRecorder) CallEnded(ctx context.Context, r call.Record) error {
	return a.st.CallEnded(ctx, FromCall(r))
}

// FromCall is a call's record as a stored row; team and queue come from its metadata.
func FromCall(r call.Record) CallRecord {
	parties := make([]string, len(r.Parties))
	for i, p := range r.Parties {
		parties[i] = string(p)
	}
	return CallRecord{ID: r.ID, Source: r.Source, State: string(r.State), Agent: r.Agent,
		Team: r.Meta["team"], Queue: r.Meta["queue"], StartedAt: r.StartedAt, EndedAt: r.EndedAt,
		Reason: r.Reason, Parties: parties, Summary: r.Summary, Meta: r.Meta}
}
