package whipclient

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/undertone/undertone/internal/dsp"
)

// ErrWAV is returned for files that are not usable PCM WAV.
var ErrWAV = errors.New("unusable WAV file")

// LoadWAV reads a PCM WAV file (8–32-bit integer, mono or stereo, any common rate) and
// returns its channels resampled to Rate: mono is the customer; stereo is customer (left)
// and agent (right).
func LoadWAV(path string) ([][]int16, error) { return LoadWAVAt(path, Rate) }

// LoadWAVAt is LoadWAV resampling to rate Hz instead (e.g. 16 kHz audio for an Opus
// encoder); channels are padded to whole 20 ms frames at that rate.
func LoadWAVAt(path string, rate int) ([][]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadWAVAt(f, rate)
}

// ReadWAV is LoadWAV on an open file.
func ReadWAV(r io.ReadSeeker) ([][]int16, error) { return ReadWAVAt(r, Rate) }

// ReadWAVAt is LoadWAVAt on an open file.
func ReadWAVAt(r io.ReadSeeker, to int) (chans [][]int16, err error) {
	defer func() { // the WAV decoder is third-party code reading untrusted bytes
		if p := recover(); p != nil {
			chans, err = nil, fmt.Errorf("whipclient: wav: decoder panic (%v): %w", p, ErrWAV)
		}
	}()
	d := wav.NewDecoder(r)
	if !d.IsValidFile() {
		return nil, fmt.Errorf("whipclient: wav: not a RIFF/WAVE PCM file: %w", ErrWAV)
	}
	if d.WavAudioFormat != 1 {
		return nil, fmt.Errorf("whipclient: wav: audio format %d, want 1 (integer PCM): %w", d.WavAudioFormat, ErrWAV)
	}
	nch, rate, bits := int(d.NumChans), int(d.SampleRate), int(d.BitDepth)
	if nch < 1 || nch > 2 {
		return nil, fmt.Errorf("whipclient: wav: %d channels, want 1 or 2: %w", nch, ErrWAV)
	}
	if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
		return nil, fmt.Errorf("whipclient: wav: %d bits per sample: %w", bits, ErrWAV)
	}
	if rate < 8000 || rate > 192000 {
		return nil, fmt.Errorf("whipclient: wav: sample rate %d: %w", rate, ErrWAV)
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		return nil, fmt.Errorf("whipclient: wav: %v: %w", err, ErrWAV)
	}
	return deinterleave(buf, nch, rate, bits, to)
}

func deinterleave(buf *audio.IntBuffer, nch, rate, bits, to int) ([][]int16, error) {
	n := len(buf.Data) / nch
	shift := bits - 16
	out := make([][]int16, nch)
	for c := range out {
		raw := make([]int16, n)
		for i := 0; i < n; i++ {
			v := buf.Data[i*nch+c]
			switch {
			case bits == 8:
				v = (v - 128) << 8 // 8-bit WAV is unsigned
			case shift > 0:
				v >>= shift
			}
			raw[i] = int16(max(-32768, min(32767, v)))
		}
		if rate == to {
			out[c] = raw
			continue
		}
		rs, err := dsp.NewResampler(rate, to)
		if err != nil {
			return nil, fmt.Errorf("whipclient: wav: %w", err)
		}
		fl := rs.Process(make([]float32, 0, n*to/rate+64), raw)
		ch := make([]int16, len(fl))
		for i, x := range fl {
			ch[i] = int16(max(-32768, min(32767, x*32768)))
		}
		out[c] = ch
	}
	// Pad to whole 20 ms frames.
	frame := to / 50
	for c := range out {
		if r := len(out[c]) % frame; r != 0 {
			out[c] = append(out[c], make([]int16, frame-r)...)
		}
	}
	return out, nil
}
