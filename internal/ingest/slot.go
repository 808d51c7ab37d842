// Package ingest holds what the ingest protocols share. Each protocol lives in its own
// subpackage (whip, siprec, audiosocket, twilio, audiohook); ingesttest is the contract
// they all pass.
package ingest

import (
	"sync"

	"github.com/undertone/undertone/internal/auth"
)

// Slot is an integrator's place for one call under the per-integrator concurrent-call
// limit, which the token-authenticated ingests (WHIP, Twilio media streams, AudioHook)
// share through one auth.CallLimiter: a token may hold N calls in all, not N per protocol.
// Reserve it before the call opens, Hold it once the call's id is known, and Release it
// when the call ends or fails to open; Release is idempotent and safe before Hold.
type Slot struct {
	mu      sync.Mutex
	s       *auth.Slot
	release func()
	done    bool
}

// Reserve takes a slot for p's call callID ("" when the protocol only learns it later)
// from l; a nil l never refuses. Over p's limit it returns an error wrapping
// auth.ErrTooManyCalls.
func Reserve(l *auth.CallLimiter, p auth.Principal, callID string) (*Slot, error) {
	s, err := l.Reserve(p, callID)
	if err != nil {
		return nil, err
	}
	return &Slot{s: s}, nil
}

// Hold binds the slot to the opened call callID. Joining a call the token already holds
// (a second leg) costs nothing: the first holder frees it. A nil Slot does nothing.
func (s *Slot) Hold(callID string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || s.release != nil {
		return
	}
	if r := s.s.Hold(callID); r != nil {
		s.release = r
	} else {
		s.release = func() {}
	}
}

// Release frees the slot: the held call's place, or the reservation if never held. A nil
// Slot does nothing.
func (s *Slot) Release() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	if s.release != nil {
		s.release()
		return
	}
	s.s.Cancel()
}
