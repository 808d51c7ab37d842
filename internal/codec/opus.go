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

// OpusAnalysisRate is the rate ForCodec decodes Opus at: the analysis rate of the party
// streams, so nothing resamples it again.
const OpusAnalysisRate = 16000

// opusDecoder wraps pion/opus (RFC 6716, pure Go), mono.
type opusDecoder struct {
	dec  opus.Decoder
	rate int
	concealer
}

// NewOpus returns an Opus decoder producing 48 kHz mono PCM; 20 ms packets
// give 960 samples. Stereo packets are downmixed by pion/opus.
func NewOpus() (Decoder, error) { return NewOpusAt(opusRate) }

// NewOpusAt returns an Opus decoder producing mono PCM at rate Hz: 8000, 12000, 16000,
// 24000 or 48000 (the rates RFC 6716 §2 lets a decoder output). pion/opus synthesises
// SILK at its coded bandwidth and resamples only to reach rate, and renders CELT
// straight at rate, so 16 kHz output of a wideband stream skips the 16 → 48 kHz step a
// 48 kHz decoder makes and the 48 → 16 kHz step the analysis would then need.
func NewOpusAt(rate int) (Decoder, error) {
	dec, err := opus.NewDecoderWithOutput(rate, 1)
	if err != nil {
		return nil, fmt.Errorf("codec: opus at %d Hz: new decoder: %w", rate, err)
	}
	return &opusDecoder{dec: dec, rate: rate, concealer: newConcealer(opusFrame * 3 * rate / opusRate)}, nil
}

// Decode decodes one Opus packet. An empty payload (browsers send RTP
// padding-only packets) returns (0, nil). A malformed packet returns an error
// wrapping ErrCorrupt; a panic inside pion/opus on hostile input is recovered,
// reported as ErrCorrupt, and the decoder state is reset.
func (d *opusDecoder) Decode(payload []byte, pcm []int16) (n int, err error) {
	if len(payload) == 0 {
		return 0, nil
	}
	if need, err := OpusPacketSamples(payload); err != nil {
		return 0, err
	} else if need = need * d.rate / opusRate; need > len(pcm) {
		return 0, fmt.Errorf("codec: opus: %d-sample packet into %d samples: %w", need, len(pcm), ErrShortBuffer)
	}
	defer func() {
		if r := recover(); r != nil {
			_ = d.dec.Init(d.rate, 1)
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
func (d *opusDecoder) SampleRate() int                      { return d.rate }
func (d *opusDecoder) Name() string                         { return "opus" }

// opusFrameSamples48 is the frame length at 48 kHz per TOC configuration
// number (RFC 6716 §3.1, Table 2): SILK 10/20/40/60 ms, Hybrid 10/20 ms,
// CELT 2.5/5/10/20 ms.
var opusFrameSamples48 = [32]int{
	480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB, MB, WB
	480, 960, 480, 960, // Hybrid SWB, FB
	120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT NB..FB
}

// OpusPacketSamples returns the duration of an Opus packet in samples at
// 48 kHz from its TOC byte and, for code 3, its frame count byte (RFC 6716
// §3.1–3.2) — what Decode will write, and the RTP timestamp step. It does
// not validate the frames themselves.
func OpusPacketSamples(payload []byte) (int, error) {
	if len(payload) == 0 {
		return 0, nil
	}
	toc := payload[0]
	frame := opusFrameSamples48[toc>>3]
	switch toc & 0x03 {
	case 0:
		return frame, nil
	case 1, 2:
		return 2 * frame, nil
	}
	if len(payload) < 2 {
		return 0, fmt.Errorf("codec: opus: code 3 packet without frame count: %w", ErrCorrupt)
	}
	n := int(payload[1] & 0x3F)
	if n == 0 || n*frame > OpusMaxSamples {
		return 0, fmt.Errorf("codec: opus: code 3 packet of %d frames × %d samples: %w", n, frame, ErrCorrupt)
	}
	return n * frame, nil
}
