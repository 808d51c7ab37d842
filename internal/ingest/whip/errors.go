package whip

import (
	"net/http"

	"github.com/undertone/undertone/internal/httperr"
)

var (
	// ErrOffer is returned for an SDP offer we cannot accept (malformed, no audio, …).
	ErrOffer = httperr.New(http.StatusBadRequest, "unacceptable SDP offer")
	// ErrNoSession is returned for a session id that does not exist (any more).
	ErrNoSession = httperr.New(http.StatusNotFound, "no such WHIP session")
)
