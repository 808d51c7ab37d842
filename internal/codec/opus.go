package codec

import (
	"fmt"

	"github.com/pion/opus"
)

const (
	opusRate = 48000
	// OpusMaxSamples is the longest Opus packet (120 ms) at 48 kHz mono: a
	// pcm buffer this long accepts any valid packet.
	OpusMaxSamples = opusRate * 120 / 1000
	opusFrame      = opusRate * 20 / 1000 // typical 20 ms packet: 960 samples
)

// opusDecoder wraps pion/opus (RFC 6716, pure Go) at 48 kHz mono.
type opusDecoder struct {
	dec opus.Decoder
	concealer
}

// NewOpus returns an Opus decoder producing 48 kHz mono PCM; 20 ms packets
// give 960 samples. Stereo packets are downmixed by pion/opus.
func NewOpus() (Decoder, error) {
	dec, err := opus.NewDecoderWithOutput(opusRate, 1)
	if err != nil {
		return nil, fmt.Errorf("codec: opus: new decoder: %w", err)
	}
	return &opusDecoder{dec: dec, concealer: newConcealer(opusFrame * 3)}, nil
}

// Decode decodes one Opus packet. An empty payload (browsers send RTP
// padding-only packets) returns (0, nil). A malformed packet returns an error
// wrapping ErrCorrupt; a panic inside pion/opus on hostile input is recovered,
// reported as ErrCorrupt, and the decoder state is reset.
func (d *opusDecoder) Decode(payload []byte, pcm []int16) (n int, err error) {
	if len(payload) == 0 {
		return 0, nil
	}
	defer func() {
		if r := recover(); r != nil {
			_ = d.dec.Init(opusRate, 1)
			n, err = 0, fmt.Errorf("codec: opus: %d-byte packet: panic %v: %w", len(payload), r, ErrCorrupt)
		}
	}()
	n, err = d.dec.DecodeToInt16(payload, pcm)
	if err != nil {
		return 0, fmt.Errorf("codec: opus: %d-byte packet into %d samples: %w: %w", len(payload), len(pcm), ErrCorrupt, err)
	}
	if n > 0 {
		d.remember(pcm[:n])
	}
	return n, nil
}

func (d *opusDecoder) Conceal(pcm []int16, samples int) int { return d.conceal(pcm, samples) }
func (d *opusDecoder) SampleRate() int                      { return opusRate }
func (d *opusDecoder) Name() string                         { return "opus" }
