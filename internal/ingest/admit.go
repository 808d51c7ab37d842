package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// Admitter is the one way audio gets into a call, whatever the protocol: it attributes
// the leg (an integrator token, or a trusted peer address), checks its metadata, takes
// the integrator's place under the concurrent-call limit, opens the call or joins the
// live call the same owner opened, joins the parties, and on any failure undoes all of
// it. Protocols only speak their wire format and hand a Request here.
type Admitter struct {
	Registry *call.Registry
	Calls    *auth.CallLimiter // per-integrator concurrent calls across every protocol; nil = unlimited
	Log      *slog.Logger
}

// Request is one leg asking to bring audio.
type Request struct {
	Protocol string // the call's source as listed and in call.started: whip, sip, siprec, …
	// Principal is the integrator the leg authenticated as; nil for a peer trusted by
	// address (an allow-listed SBC or Asterisk). Exactly one of Principal and Peer
	// attributes the leg.
	Principal *auth.Principal
	Peer      netip.Addr
	CallID    string // the call to open or join; "" = a new call with a fresh id
	Meta      Meta   // checked with Meta.Check
	Parties   []PartySpec
	// Slot is the integrator's place if the protocol reserved it before it knew the call
	// (AudioHook answers 429 before the websocket upgrade, as Genesys expects); Admit
	// then takes it over. nil: Admit reserves.
	Slot *Slot
}

// PartySpec is a party the leg carries from the start.
type PartySpec struct {
	Party event.Party
	Codec string // informational: reported in the summary and metrics
}

// Owner is who a request's leg belongs to: the token's key, or "peer:" and the address.
func (r Request) Owner() string {
	if r.Principal != nil {
		return r.Principal.Key()
	}
	return "peer:" + r.Peer.Unmap().String()
}

// Leg is an admitted leg: its call and the streams of the parties it joined.
type Leg struct {
	Call    *call.Call
	Created bool           // this leg opened the call
	Streams []*call.Stream // in Request.Parties order, then those added with Join

	slot   *Slot
	mu     sync.Mutex
	joined []event.Party
	done   bool
}

// ErrUnattributed is returned for a request with neither a principal nor a peer address.
var ErrUnattributed = errors.New("ingest: leg is neither authenticated nor from a trusted peer")

// Admit admits one leg. The errors are the registry's (call.ErrBadID, ErrNotOwner,
// ErrIDTaken, ErrTooManyCalls, ErrEnded, ErrPartyTaken), ErrMeta, and
// auth.ErrTooManyCalls when the integrator has no place left. On error nothing of the leg
// remains: no slot, no party, no call it would have opened.
func (a *Admitter) Admit(req Request) (*Leg, error) {
	if req.Principal == nil && !req.Peer.IsValid() {
		req.Slot.Release()
		return nil, ErrUnattributed
	}
	slot := req.Slot
	if err := req.Meta.Check(); err != nil {
		slot.Release()
		return nil, err
	}
	if req.CallID != "" {
		if err := call.ValidID(req.CallID); err != nil {
			slot.Release()
			return nil, err
		}
	}
	if slot == nil && req.Principal != nil {
		var err error
		if slot, err = Reserve(a.Calls, *req.Principal, req.CallID); err != nil {
			return nil, err
		}
	}
	c, created, err := a.Registry.Open(call.OpenParams{ID: req.CallID, Source: req.Protocol,
		Agent: req.Meta[MetaAgent], Meta: req.Meta.withoutAgent(), Owner: req.Owner()})
	if err != nil {
		slot.Release()
		return nil, err
	}
	slot.Hold(c.ID())
	c.OnEnd(slot.Release)
	l := &Leg{Call: c, Created: created, slot: slot}
	for _, p := range req.Parties {
		if _, err := l.Join(p.Party, p.Codec); err != nil {
			l.Abort()
			return nil, err
		}
	}
	return l, nil
}

// Reserve takes p's place under the concurrent-call limit before the call is known, for
// Request.Slot. Over the limit it returns an error wrapping auth.ErrTooManyCalls.
func (a *Admitter) Reserve(p auth.Principal) (*Slot, error) { return Reserve(a.Calls, p, "") }

// Join adds a party to the leg (WHIP learns its parties from tracks after answering).
func (l *Leg) Join(p event.Party, codec string) (*call.Stream, error) {
	st, err := l.Call.Join(p, codec)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.joined = append(l.joined, p)
	l.Streams = append(l.Streams, st)
	l.mu.Unlock()
	return st, nil
}

// Run hands the leg to its call: closer runs when the call ends (to unblock reads on the
// connection), and loop runs on a goroutine the call owns. When loop returns, the leg's
// parties leave the call (which ends when its last party has left).
func (l *Leg) Run(name string, closer func(), loop func(ctx context.Context)) {
	if closer != nil {
		l.Call.OnEnd(closer)
	}
	l.Call.Go(name, func(ctx context.Context) {
		defer l.Leave()
		loop(ctx)
	})
}

// Leave takes the leg's parties out of the call; safe twice.
func (l *Leg) Leave() {
	l.mu.Lock()
	joined := slices.Clone(l.joined)
	l.joined = nil
	l.mu.Unlock()
	for _, p := range joined {
		l.Call.Leave(p)
	}
}

// Abort undoes an admitted leg that could not start (its connection failed before the
// read loop ran): its parties leave, and a call this leg opened ends, reason "error".
// Not for use from a goroutine started with Call.Go.
func (l *Leg) Abort() {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return
	}
	l.done = true
	l.mu.Unlock()
	if l.Created {
		l.Call.Hangup("error") // ends every party with it
		return
	}
	l.Leave()
}

// Attribute is the leg's attribution for logs (never a token).
func (r Request) Attribute() string {
	if r.Principal != nil {
		return r.Principal.Name
	}
	return fmt.Sprintf("peer %s", r.Peer.Unmap())
}
