package codec

import (
	"fmt"
	"strings"
)

// Decoder turns one RTP payload into mono 16-bit PCM. Implementations keep
// per-stream state; use one Decoder per stream and one goroutine per Decoder.
type Decoder interface {
	// Decode decodes payload into pcm and returns the number of samples
	// written. An empty payload (RTP padding-only packet) yields (0, nil).
	// If pcm is too small nothing is written and the error wraps
	// ErrShortBuffer. A malformed payload wraps ErrCorrupt; n may still be
	// > 0 (L16 with an odd trailing byte) and those samples are valid.
	Decode(payload []byte, pcm []int16) (int, error)
	// Conceal writes min(samples, len(pcm)) samples standing in for one lost
	// packet and returns that count. samples <= 0 means "one frame as long
	// as the last decoded one". See the package doc for the fade policy.
	Conceal(pcm []int16, samples int) int
	// SampleRate is the rate of the PCM written by Decode, in Hz.
	SampleRate() int
	// Name is the codec name as in SDP, e.g. "opus", "PCMU".
	Name() string
}

// MIME types understood by ForCodec (matched case-insensitively).
const (
	MimeOpus = "audio/opus"
	MimePCMU = "audio/PCMU"
	MimePCMA = "audio/PCMA"
	MimeL16  = "audio/L16"
)

// ForCodec returns a Decoder for an SDP/WebRTC MIME type ("audio/opus",
// "audio/PCMU", "audio/PCMA", "audio/L16", case-insensitive) and RTP clock
// rate. clockRate 0 means the codec's default (48000 for Opus, 8000 for the
// others). Opus must be 48000 (RFC 7587 fixes its RTP clock); G.711 must be
// 8000. Anything else wraps ErrUnsupported. Opus is decoded at
// OpusAnalysisRate (16 kHz), the rate the party streams analyse at.
func ForCodec(mimeType string, clockRate int) (Decoder, error) {
	switch {
	case strings.EqualFold(mimeType, MimeOpus):
		if clockRate != 0 && clockRate != 48000 {
			return nil, fmt.Errorf("codec: %s clock rate %d: %w", mimeType, clockRate, ErrUnsupported)
		}
		return NewOpusAt(OpusAnalysisRate)
	case strings.EqualFold(mimeType, MimePCMU):
		if clockRate != 0 && clockRate != 8000 {
			return nil, fmt.Errorf("codec: %s clock rate %d: %w", mimeType, clockRate, ErrUnsupported)
		}
		return NewPCMU(), nil
	case strings.EqualFold(mimeType, MimePCMA):
		if clockRate != 0 && clockRate != 8000 {
			return nil, fmt.Errorf("codec: %s clock rate %d: %w", mimeType, clockRate, ErrUnsupported)
		}
		return NewPCMA(), nil
	case strings.EqualFold(mimeType, MimeL16):
		if clockRate == 0 {
			clockRate = 8000
		}
		if clockRate < 1000 || clockRate > 192000 {
			return nil, fmt.Errorf("codec: %s clock rate %d: %w", mimeType, clockRate, ErrUnsupported)
		}
		return NewL16(clockRate), nil
	}
	return nil, fmt.Errorf("codec: %q: %w", mimeType, ErrUnsupported)
}

// concealer keeps the last decoded frame so a lost packet can be replaced by
// that frame faded out linearly; a second consecutive loss is silence.
type concealer struct {
	last    []int16 // copy of the last decoded frame; capacity set once
	lastLen int
	faded   bool // the last frame was already used for a fade
}

func newConcealer(maxFrame int) concealer {
	return concealer{last: make([]int16, maxFrame)}
}

// remember records a decoded frame (at most cap(last) samples, the tail).
func (c *concealer) remember(pcm []int16) {
	if len(pcm) > len(c.last) {
		pcm = pcm[len(pcm)-len(c.last):]
	}
	c.lastLen = copy(c.last, pcm)
	c.faded = false
}

// conceal implements Decoder.Conceal.
func (c *concealer) conceal(pcm []int16, samples int) int {
	if samples <= 0 {
		samples = c.lastLen
	}
	if samples > len(pcm) {
		samples = len(pcm)
	}
	out := pcm[:samples]
	if c.faded || c.lastLen == 0 {
		clear(out)
		return samples
	}
	// Repeat the last frame (cyclically if the gap is longer) under a linear
	// gain ramp 1 → 0, so the gap neither clicks nor reads as dead air.
	for i := range out {
		g := float32(samples-i) / float32(samples)
		out[i] = int16(float32(c.last[i%c.lastLen]) * g)
	}
	c.faded = true
	return samples
}
