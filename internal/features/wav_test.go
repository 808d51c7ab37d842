package features

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// wavBytes builds a WAV file in memory.
func wavBytes(format, channels, bits uint16, rate uint32, data []byte) []byte {
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + len(data)))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(format)
	w(channels)
	w(rate)
	w(rate * uint32(channels) * uint32(bits/8))
	w(channels * bits / 8)
	w(bits)
	b.WriteString("data")
	w(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestParseWAVFormats(t *testing.T) {
	// Stereo 16-bit: (0.5, −0.5) mixes to 0; (0.5, 0.5) to 0.5.
	var d bytes.Buffer
	for _, v := range []int16{16384, -16384, 16384, 16384} {
		_ = binary.Write(&d, binary.LittleEndian, v)
	}
	x, sr, err := ParseWAV(wavBytes(1, 2, 16, 8000, d.Bytes()))
	if err != nil || sr != 8000 || len(x) != 2 || x[0] != 0 || x[1] != 0.5 {
		t.Fatalf("stereo pcm16: %v %d %v", x, sr, err)
	}
	d.Reset()
	_ = binary.Write(&d, binary.LittleEndian, float32(-0.25))
	x, _, err = ParseWAV(wavBytes(3, 1, 32, 16000, d.Bytes()))
	if err != nil || len(x) != 1 || x[0] != -0.25 {
		t.Fatalf("float32: %v %v", x, err)
	}
	if _, _, err := ParseWAV([]byte("RIFF....WAVEjunk")); err == nil {
		t.Fatal("no error for a file without fmt/data")
	}
}

func TestResample(t *testing.T) {
	x := make([]float32, 8000)
	for i := range x {
		x[i] = float32(math.Sin(2 * math.Pi * 440 * float64(i) / 8000))
	}
	y := Resample(x, 8000, 16000)
	if len(y) != 16000 {
		t.Fatalf("len %d", len(y))
	}
	for i := 1000; i < 15000; i += 97 {
		want := math.Sin(2 * math.Pi * 440 * float64(i) / 16000)
		if math.Abs(float64(y[i])-want) > 0.02 {
			t.Fatalf("sample %d: %.4f want %.4f", i, y[i], want)
		}
	}
}

func FuzzParseWAV(f *testing.F) {
	if b, err := os.ReadFile("testdata/tone200.wav"); err == nil {
		f.Add(b[:2000])
	}
	f.Add(wavBytes(1, 1, 24, 16000, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(wavBytes(0xFFFE, 3, 8, 1, []byte{1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, sr, err := ParseWAV(b) // must not panic on any input
		if err == nil && (sr <= 0 || len(x) > len(b)) {
			t.Fatalf("rate %d, %d samples from %d bytes", sr, len(x), len(b))
		}
	})
}
