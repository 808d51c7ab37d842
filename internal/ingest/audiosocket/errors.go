package audiosocket

import "errors"

var (
	// ErrFrame is returned for a frame that breaks the protocol (unknown kind, a length
	// over the limit, an odd-length audio payload, a UUID that is not 16 bytes).
	ErrFrame = errors.New("audiosocket: bad frame")
	// ErrTruncated is returned when the connection ends inside a frame (a length that lies).
	ErrTruncated = errors.New("audiosocket: truncated frame")
	// ErrHandshake is returned when the first frame is not a UUID.
	ErrHandshake = errors.New("audiosocket: first frame must be the call UUID (kind 0x01)")
	// ErrUnmapped is returned when a UUID maps to no call/party.
	ErrUnmapped = errors.New("audiosocket: UUID maps to no call and party")
	// ErrForbidden is returned for a peer address outside the allow-list.
	ErrForbidden = errors.New("audiosocket: peer address not allowed")
)
