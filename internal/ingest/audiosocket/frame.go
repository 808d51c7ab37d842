package audiosocket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Kind is the first byte of a frame.
type Kind byte

// Frame kinds (Asterisk res_audiosocket; 0x11–0x18 since Asterisk 22).
const (
	KindHangup Kind = 0x00
	KindUUID   Kind = 0x01
	KindDTMF   Kind = 0x03
	KindSlin   Kind = 0x10 // 8 kHz
	KindSlin12 Kind = 0x11
	KindSlin16 Kind = 0x12
	KindSlin24 Kind = 0x13
	KindSlin32 Kind = 0x14
	KindSlin44 Kind = 0x15
	KindSlin48 Kind = 0x16
	KindSlin96 Kind = 0x17
	KindSlin19 Kind = 0x18 // 192 kHz
	KindError  Kind = 0xff
)

// SlinRate returns the sample rate of an audio kind, or 0 for other kinds.
func SlinRate(k Kind) int {
	switch k {
	case KindSlin:
		return 8000
	case KindSlin12:
		return 12000
	case KindSlin16:
		return 16000
	case KindSlin24:
		return 24000
	case KindSlin32:
		return 32000
	case KindSlin44:
		return 44100
	case KindSlin48:
		return 48000
	case KindSlin96:
		return 96000
	case KindSlin19:
		return 192000
	}
	return 0
}

// HeaderLen is the size of a frame header.
const HeaderLen = 3

// DefaultMaxPayload bounds a frame's payload: 100 ms of 48 kHz audio, far above the 20 ms
// Asterisk sends.
const DefaultMaxPayload = 9600

// Frame is one decoded frame; Payload aliases the reader's buffer until the next read.
type Frame struct {
	Kind    Kind
	Payload []byte
}

// Reader reads frames from a stream without allocating per frame.
type Reader struct {
	r   io.Reader
	max int
	hdr [HeaderLen]byte
	buf []byte
}

// NewReader reads frames from r with payloads of at most maxPayload bytes
// (0 = DefaultMaxPayload).
func NewReader(r io.Reader, maxPayload int) *Reader {
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayload
	}
	maxPayload = max(maxPayload, 64) // UUID, DTMF and error frames always fit
	return &Reader{r: r, max: maxPayload, buf: make([]byte, maxPayload)}
}

// Next reads one frame. io.EOF means the stream ended cleanly between frames; a stream
// that ends inside a frame wraps ErrTruncated; a frame that breaks the protocol wraps
// ErrFrame (the stream cannot be resynchronised after it).
func (r *Reader) Next() (Frame, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("audiosocket: header: %w", ErrTruncated)
		}
		return Frame{}, err
	}
	k := Kind(r.hdr[0])
	n := int(binary.BigEndian.Uint16(r.hdr[1:]))
	if err := checkFrame(k, n, r.max); err != nil {
		return Frame{}, err
	}
	p := r.buf[:n]
	if _, err := io.ReadFull(r.r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("audiosocket: frame kind %#02x len %d: %w", byte(k), n, ErrTruncated)
		}
		return Frame{}, fmt.Errorf("audiosocket: frame kind %#02x len %d: %w", byte(k), n, err)
	}
	return Frame{Kind: k, Payload: p}, nil
}

func checkFrame(k Kind, n, maxPayload int) error {
	if n > maxPayload {
		return fmt.Errorf("audiosocket: frame kind %#02x len %d over the limit %d: %w", byte(k), n, maxPayload, ErrFrame)
	}
	switch {
	case k == KindHangup:
		if n != 0 {
			return fmt.Errorf("audiosocket: hangup frame with %d payload bytes: %w", n, ErrFrame)
		}
	case k == KindUUID:
		if n != 16 {
			return fmt.Errorf("audiosocket: frame kind %#02x len %d: UUID must be 16 bytes: %w", byte(k), n, ErrFrame)
		}
	case k == KindDTMF, k == KindError:
		if n > 64 {
			return fmt.Errorf("audiosocket: frame kind %#02x len %d: %w", byte(k), n, ErrFrame)
		}
	case SlinRate(k) > 0:
		if n > maxPayload {
			return fmt.Errorf("audiosocket: frame kind %#02x len %d over the limit %d: %w", byte(k), n, maxPayload, ErrFrame)
		}
		if n%2 != 0 {
			return fmt.Errorf("audiosocket: frame kind %#02x len %d: odd length for 16-bit audio: %w", byte(k), n, ErrFrame)
		}
	default:
		return fmt.Errorf("audiosocket: frame kind %#02x len %d: unknown kind: %w", byte(k), n, ErrFrame)
	}
	return nil
}

// AppendFrame appends one encoded frame to dst.
func AppendFrame(dst []byte, k Kind, payload []byte) []byte {
	dst = append(dst, byte(k), byte(len(payload)>>8), byte(len(payload)))
	return append(dst, payload...)
}
