package audiohook

import "errors"

var (
	// ErrMessage is returned for a message that is not AudioHook v2.
	ErrMessage = errors.New("audiohook: not a protocol message")
	// ErrSignature is returned for a missing, malformed, forged, expired or replayed signature.
	ErrSignature = errors.New("audiohook: signature rejected")
	// ErrAPIKey is returned for a missing or unknown API key.
	ErrAPIKey = errors.New("audiohook: API key rejected")
	// ErrMedia is returned when no offered media format is PCMU 8 kHz.
	ErrMedia = errors.New("audiohook: no supported media format offered")
	// ErrFrame is returned for an audio frame whose length does not fit the channels.
	ErrFrame = errors.New("audiohook: bad audio frame")
)
