package call

import "errors"

var (
	// ErrEnded is returned when joining a call that has already ended.
	ErrEnded = errors.New("call ended")
	// ErrPartyTaken is returned when a party already has a stream in this call.
	ErrPartyTaken = errors.New("party already attached")
	// ErrTooManyCalls is returned when the configured concurrent call limit is reached.
	ErrTooManyCalls = errors.New("too many concurrent calls")
	// ErrBadID is returned for call ids that are empty, too long or use odd characters.
	ErrBadID = errors.New("invalid call id")
	// ErrIDTaken is returned when a new call names the id of a call that has ended (here
	// or in the store): ids are never reused, so an old call's history cannot be taken over.
	ErrIDTaken = errors.New("call id belongs to an earlier call")
	// ErrNotOwner is returned when a leg tries to join a live call that another
	// integrator (or trusted peer) opened: only the call's owner may add parties to it.
	ErrNotOwner = errors.New("call was opened by another integrator")
)

var errNoDecoder = errors.New("stream: no decoder set for packets")
