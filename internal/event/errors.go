package event

import "errors"

var (
	// ErrParty is returned for a party name other than customer or agent.
	ErrParty = errors.New("unknown party")
	// ErrMalformed is returned for bytes that are not an event.
	ErrMalformed = errors.New("malformed event")
)
