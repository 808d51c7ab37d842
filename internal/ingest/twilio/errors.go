package twilio

import "errors"

var (
	// ErrMessage is returned for a message that is not the protocol.
	ErrMessage = errors.New("twilio: not a media-stream message")
	// ErrMediaFormat is returned for a start message with a media format we cannot decode.
	ErrMediaFormat = errors.New("twilio: unsupported media format")
	// ErrAuth is returned when no valid integrator token is presented.
	ErrAuth = errors.New("twilio: not authenticated")
)
