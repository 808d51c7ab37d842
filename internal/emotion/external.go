package emotion

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"sync"
)

// External codecs used offline only (training augmentation and the held-out channel
// tests), never by serve or by go test: Opus through opus-tools (opusenc/opusdec; Debian
// package opus-tools) and AMR-NB through sox (libsox-fmt-all). Each is a pipe of raw
// 16-bit little-endian mono PCM at 16 kHz in and out.

var (
	opusOnce sync.Once
	opusOK   bool
	soxOnce  sync.Once
	soxAMR   bool
)

// OpusAvailable reports whether opusenc and opusdec are installed.
func OpusAvailable() bool {
	opusOnce.Do(func() {
		_, e1 := exec.LookPath("opusenc")
		_, e2 := exec.LookPath("opusdec")
		opusOK = e1 == nil && e2 == nil
	})
	return opusOK
}

// AMRAvailable reports whether sox can encode and decode AMR-NB.
func AMRAvailable() bool {
	soxOnce.Do(func() {
		if _, err := exec.LookPath("sox"); err != nil {
			return
		}
		_, err := amrRoundTrip(make([]float64, 1600), 0)
		soxAMR = err == nil
	})
	return soxAMR
}

func pcm16(y []float64) []byte {
	b := make([]byte, 2*len(y))
	for i, v := range y {
		s := int16(math.Max(-32768, math.Min(32767, math.Round(v*32767))))
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}

func fromPCM16(b []byte, n int) []float64 {
	y := make([]float64, n)
	for i := 0; i < n && 2*i+1 < len(b); i++ {
		y[i] = float64(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
	}
	return y
}

// pipe runs `sh -c cmd` with in on stdin and returns stdout.
func pipe(cmd string, in []byte) ([]byte, error) {
	c := exec.Command("sh", "-c", cmd)
	c.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("emotion: %s: %w: %s", cmd, err, errb.String())
	}
	return out.Bytes(), nil
}

// opusRoundTrip encodes at kbps (speech tuning, 20 ms frames) and decodes back to 16 kHz.
// The decoder's output is aligned to the input (opusdec removes the pre-skip).
func opusRoundTrip(y []float64, kbps int) ([]float64, error) {
	cmd := "opusenc --quiet --raw --raw-bits 16 --raw-rate 16000 --raw-chan 1 --speech --bitrate " +
		strconv.Itoa(kbps) + " - - | opusdec --quiet --rate 16000 - -"
	out, err := pipe(cmd, pcm16(y))
	if err != nil {
		return nil, err
	}
	return fromPCM16(out, len(y)), nil
}

// amrRoundTrip passes 16 kHz audio through AMR-NB (3GPP TS 26.090) at the mode's bit rate
// (mode 0: 4.75 kbit/s … mode 7: 12.2 kbit/s) with sox's 8 kHz resampling either side.
func amrRoundTrip(y []float64, mode int) ([]float64, error) {
	cmd := "sox -t raw -r 16000 -e signed -b 16 -c 1 - -r 8000 -t amr-nb -C " + strconv.Itoa(mode) +
		" - | sox -t amr-nb - -t raw -e signed -b 16 -r 16000 -"
	out, err := pipe(cmd, pcm16(y))
	if err != nil {
		return nil, err
	}
	return fromPCM16(out, len(y)), nil
}
