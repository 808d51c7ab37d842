package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/undertone/undertone/internal/call"
)

// ForRegistry adapts a store to the call registry's Recorder: a call's row is written when
// it starts and completed (state, reason, summary) when it ends. A start for an id the
// store already holds is call.ErrIDTaken, so the registry refuses the new call.
func ForRegistry(st Store) call.Recorder { return registryRecorder{st} }

type registryRecorder struct{ st Store }

func (a registryRecorder) CallStarted(ctx context.Context, r call.Record) error {
	err := a.st.CallStarted(ctx, FromCall(r))
	if errors.Is(err, ErrExists) {
		return fmt.Errorf("%w: %w", call.ErrIDTaken, err)
	}
	return err
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
