package siprec

import "errors"

var (
	// ErrOffer is returned for an INVITE body we cannot answer (no audio, bad SDP, no codec).
	ErrOffer = errors.New("siprec: unacceptable offer")
	// ErrMetadata is returned for recording metadata that does not parse.
	ErrMetadata = errors.New("siprec: bad recording metadata")
	// ErrForbidden is returned for a peer outside the allow-list.
	ErrForbidden = errors.New("siprec: source not allowed")
)
