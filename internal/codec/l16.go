package codec

import (
	"encoding/binary"
	"fmt"
)

// L16 is RFC 3551 §4.5.11 linear PCM: signed 16-bit two's complement samples
// in network (big-endian) byte order. Only mono streams are decoded.

// l16Decoder decodes mono big-endian L16 at a fixed rate.
type l16Decoder struct {
	rate int
	concealer
}

// NewL16 returns a decoder for mono big-endian 16-bit PCM at rate Hz.
func NewL16(rate int) Decoder {
	return &l16Decoder{rate: rate, concealer: newConcealer(rate * 60 / 1000)}
}

// Decode decodes big-endian samples. An odd trailing byte is dropped and the
// whole-sample part is still written, with an error wrapping ErrCorrupt.
func (d *l16Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	n := len(payload) / 2
	if len(pcm) < n {
		return 0, fmt.Errorf("codec: L16: %d-byte payload into %d samples: %w", len(payload), len(pcm), ErrShortBuffer)
	}
	out := pcm[:n]
	for i := range out {
		out[i] = int16(binary.BigEndian.Uint16(payload[2*i:]))
	}
	if n > 0 {
		d.remember(out)
	}
	if len(payload)%2 != 0 {
		return n, fmt.Errorf("codec: L16: odd payload length %d: %w", len(payload), ErrCorrupt)
	}
	return n, nil
}

func (d *l16Decoder) Conceal(pcm []int16, samples int) int { return d.conceal(pcm, samples) }
func (d *l16Decoder) SampleRate() int                      { return d.rate }
func (d *l16Decoder) Name() string                         { return "L16" }

// DecodeL16 appends the big-endian samples of src to dst (an odd trailing
// byte is ignored) and returns the extended slice.
func DecodeL16(dst []int16, src []byte) []int16 {
	n := len(src) / 2
	dst = grow(dst, n)
	out := dst[len(dst)-n:]
	for i := range out {
		out[i] = int16(binary.BigEndian.Uint16(src[2*i:]))
	}
	return dst
}

// DecodeL16LE is DecodeL16 for little-endian input (WAV data, Asterisk
// AudioSocket signed-linear frames).
func DecodeL16LE(dst []int16, src []byte) []int16 {
	n := len(src) / 2
	dst = grow(dst, n)
	out := dst[len(dst)-n:]
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(src[2*i:]))
	}
	return dst
}

// EncodeL16 appends pcm to dst as big-endian bytes (RTP L16).
func EncodeL16(dst []byte, pcm []int16) []byte {
	dst = grow(dst, 2*len(pcm))
	out := dst[len(dst)-2*len(pcm):]
	for i, s := range pcm {
		binary.BigEndian.PutUint16(out[2*i:], uint16(s))
	}
	return dst
}

// EncodeL16LE appends pcm to dst as little-endian bytes.
func EncodeL16LE(dst []byte, pcm []int16) []byte {
	dst = grow(dst, 2*len(pcm))
	out := dst[len(dst)-2*len(pcm):]
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(s))
	}
	return dst
}
