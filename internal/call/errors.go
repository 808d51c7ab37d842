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
)

var errNoDecoder = errors.New("stream: no decoder set for packets")
