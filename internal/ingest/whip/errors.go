package whip

import "errors"

var (
	// ErrOffer is returned for an SDP offer we cannot accept (malformed, no audio, …).
	ErrOffer = errors.New("unacceptable SDP offer")
	// ErrNoSession is returned for a session id that does not exist (any more).
	ErrNoSession = errors.New("no such WHIP session")
)
