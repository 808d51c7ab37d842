package codec

import "errors"

var (
	// ErrUnsupported is returned by ForCodec for a MIME type or clock rate
	// this package cannot decode.
	ErrUnsupported = errors.New("unsupported codec")
	// ErrShortBuffer means the destination PCM slice cannot hold the decoded
	// packet; nothing was written.
	ErrShortBuffer = errors.New("pcm buffer too small")
	// ErrCorrupt means the payload could not be decoded (malformed Opus
	// packet, odd-length L16 payload).
	ErrCorrupt = errors.New("corrupt payload")
)
