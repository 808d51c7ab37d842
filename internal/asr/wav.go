package asr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// ErrWAV reports a WAV file that is not 16 kHz mono signed 16-bit PCM.
var ErrWAV = errors.New("not a 16 kHz mono 16-bit PCM WAV")

// ReadWAV16k reads a 16 kHz mono 16-bit PCM WAV file (convert others with
// `sox IN -r 16000 -c 1 -b 16 OUT.wav`). It is for tools and tests, not the live path.
func ReadWAV16k(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("asr: read wav: %w", err)
	}
	return parseWAV16k(path, b)
}

// parseWAV16k parses the bytes of a 16 kHz mono 16-bit PCM WAV file named path.
func parseWAV16k(path string, b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("asr: %s: no RIFF/WAVE header: %w", path, ErrWAV)
	}
	var fmtOK bool
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(len(b), p+8+n)]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, fmt.Errorf("asr: %s: short fmt chunk: %w", path, ErrWAV)
			}
			format := binary.LittleEndian.Uint16(body[0:])
			ch := binary.LittleEndian.Uint16(body[2:])
			rate := binary.LittleEndian.Uint32(body[4:])
			bits := binary.LittleEndian.Uint16(body[14:])
			if (format != 1 && format != 0xfffe) || ch != 1 || rate != SampleRate || bits != 16 {
				return nil, fmt.Errorf("asr: %s: format %d, %d ch, %d Hz, %d bit: %w", path, format, ch, rate, bits, ErrWAV)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, fmt.Errorf("asr: %s: data before fmt: %w", path, ErrWAV)
			}
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, nil
		}
		p += 8 + n + n&1
	}
	return nil, fmt.Errorf("asr: %s: no data chunk: %w", path, ErrWAV)
}
