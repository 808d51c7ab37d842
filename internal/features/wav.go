package features

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// ErrWAV is returned for a file that is not a PCM or float WAV this package reads.
var ErrWAV = errors.New("unsupported wav")

// ReadWAV reads a RIFF/WAVE file (PCM 8/16/24/32-bit or IEEE float 32/64, any channel
// count, WAVE_FORMAT_EXTENSIBLE included), mixes it down to mono, and returns the samples
// (full scale ±1) and the sample rate. Offline use only (training and evaluation).
func ReadWAV(path string) ([]float32, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	return ParseWAV(b)
}

// ParseWAV decodes the bytes of a WAV file; see ReadWAV.
func ParseWAV(b []byte) ([]float32, int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("features: not RIFF/WAVE: %w", ErrWAV)
	}
	var (
		format, channels, bits uint16
		rate                   uint32
		data                   []byte
		haveFmt                bool
	)
	p := 12
	for p+8 <= len(b) {
		id := string(b[p : p+4])
		n := int(binary.LittleEndian.Uint32(b[p+4 : p+8]))
		p += 8
		if n < 0 || p+n > len(b) {
			n = len(b) - p // truncated or streamed file: take what is there
		}
		body := b[p : p+n]
		switch id {
		case "fmt ":
			if n < 16 {
				return nil, 0, fmt.Errorf("features: fmt chunk %d bytes: %w", n, ErrWAV)
			}
			format = binary.LittleEndian.Uint16(body[0:2])
			channels = binary.LittleEndian.Uint16(body[2:4])
			rate = binary.LittleEndian.Uint32(body[4:8])
			bits = binary.LittleEndian.Uint16(body[14:16])
			if format == 0xFFFE && n >= 26 {
				format = binary.LittleEndian.Uint16(body[24:26])
			}
			haveFmt = true
		case "data":
			data = body
		}
		p += n + n&1
	}
	if !haveFmt || data == nil || channels == 0 || rate == 0 {
		return nil, 0, fmt.Errorf("features: missing fmt or data chunk: %w", ErrWAV)
	}
	bps := int(bits) / 8
	if bps == 0 || (format != 1 && format != 3) || (format == 3 && bps != 4 && bps != 8) {
		return nil, 0, fmt.Errorf("features: format %d, %d bits: %w", format, bits, ErrWAV)
	}
	frame := bps * int(channels)
	nf := len(data) / frame
	out := make([]float32, nf)
	for i := 0; i < nf; i++ {
		var s float64
		for c := 0; c < int(channels); c++ {
			o := i*frame + c*bps
			s += sample(data[o:o+bps], format, bps)
		}
		out[i] = float32(s / float64(channels))
	}
	return out, int(rate), nil
}

func sample(b []byte, format uint16, bps int) float64 {
	if format == 3 {
		if bps == 4 {
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	switch bps {
	case 1:
		return (float64(b[0]) - 128) / 128
	case 2:
		return float64(int16(binary.LittleEndian.Uint16(b))) / 32768
	case 3:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float64(v) / 8388608
	default:
		return float64(int32(binary.LittleEndian.Uint32(b))) / 2147483648
	}
}

// Resample converts x from rate `from` to rate `to` with a Hann-windowed sinc
// interpolator (16 zero crossings each side, cut-off at the lower Nyquist). Offline use.
func Resample(x []float32, from, to int) []float32 {
	if from == to || len(x) == 0 {
		return x
	}
	ratio := float64(to) / float64(from)
	cut := math.Min(1, ratio) // normalised to the input Nyquist
	const zc = 16
	half := float64(zc) / cut
	n := int(float64(len(x)) * ratio)
	out := make([]float32, n)
	for i := range out {
		t := float64(i) / ratio
		lo := int(math.Ceil(t - half))
		hi := int(math.Floor(t + half))
		var s float64
		for j := max(lo, 0); j <= hi && j < len(x); j++ {
			d := t - float64(j)
			w := 0.5 + 0.5*math.Cos(math.Pi*d/half)
			arg := math.Pi * d * cut
			sinc := 1.0
			if arg != 0 {
				sinc = math.Sin(arg) / arg
			}
			s += float64(x[j]) * cut * sinc * w
		}
		out[i] = float32(s)
	}
	return out
}
