package event

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/undertone/undertone/internal/clip"
)

// Version is the schema version carried in every event's "v" field. Bump it only for
// changes that break consumers; adding fields or types does not.
const Version = 1

// Party identifies one side of a call.
type Party string

// The two parties of a contact-centre call.
const (
	Customer Party = "customer"
	Agent    Party = "agent"
)

// ParseParty accepts "customer" or "agent" (case-sensitive, as in URLs and stream ids).
func ParseParty(s string) (Party, error) {
	switch Party(s) {
	case Customer, Agent:
		return Party(s), nil
	}
	return "", fmt.Errorf("event: party %s: %w", clip.Quote(s), ErrParty)
}

// Valid reports whether p is one of the known parties.
func (p Party) Valid() bool { return p == Customer || p == Agent }

// Event types. The dashboard and integrators switch on these strings.
const (
	CallStarted  = "call.started"
	CallEnded    = "call.ended"
	PartyJoined  = "party.joined"
	Level        = "level"
	Pitch        = "pitch"
	VAD          = "vad"
	Emotion      = "emotion"
	Dynamics     = "dynamics"
	Transcript   = "transcript"
	Intent       = "intent"
	Hint         = "hint"
	Alert        = "alert"
	HintFeedback = "hint.feedback"
)

// Event is one message on a call's stream. Seq is strictly increasing per call, starting
// at 1, so a client that reconnects can ask for what it missed. T is the party's media
// time in seconds since the call started (0 for call-level events); TS is the wall-clock
// time the event was emitted, in Unix milliseconds.
type Event struct {
	V     int     `json:"v"`
	Type  string  `json:"type"`
	Call  string  `json:"call"`
	Seq   uint64  `json:"seq"`
	TS    int64   `json:"ts"`
	Party Party   `json:"party,omitempty"`
	T     float64 `json:"t,omitempty"`
	// Data is the payload: in-process (what call analyzers see) always a Payload, a
	// pointer to one of this package's payload types; decoded from JSON, whatever the
	// decoder made of it.
	Data any `json:"data,omitempty"`
}

// Coalescable reports whether a newer event of the same type and party makes this one
// worthless (live meters). Slow consumers may drop such events; never the others.
func (e *Event) Coalescable() bool { return IsCue(e.Type) }

// IsCue reports whether events of type t are high-rate live cues that only matter while
// fresh (level, pitch, vad).
func IsCue(t string) bool { return t == Level || t == Pitch || t == VAD }

// Time returns TS as a time.Time.
func (e *Event) Time() time.Time { return time.UnixMilli(e.TS) }

// Raw is an event as it travels between nodes and to browsers: the decoded header for
// routing plus the exact JSON bytes, marshalled once.
type Raw struct {
	Type  string
	Call  string
	Seq   uint64
	Party Party
	Body  []byte
}

// Marshal encodes e once into a Raw ready for fan-out.
func Marshal(e *Event) (Raw, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return Raw{}, fmt.Errorf("event: marshal %s seq %d: %w", e.Type, e.Seq, err)
	}
	return Raw{Type: e.Type, Call: e.Call, Seq: e.Seq, Party: e.Party, Body: b}, nil
}

// Unmarshal decodes the routing header of a marshalled event (e.g. one received from
// another node) and keeps the bytes as they are.
func Unmarshal(b []byte) (Raw, error) {
	var h struct {
		V     int    `json:"v"`
		Type  string `json:"type"`
		Call  string `json:"call"`
		Seq   uint64 `json:"seq"`
		Party Party  `json:"party"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return Raw{}, fmt.Errorf("event: decode: %w", err)
	}
	if h.Type == "" || h.Call == "" {
		return Raw{}, fmt.Errorf("event: decode: missing type or call: %w", ErrMalformed)
	}
	return Raw{Type: h.Type, Call: h.Call, Seq: h.Seq, Party: h.Party, Body: b}, nil
}
