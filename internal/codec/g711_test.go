package codec

import (
	"math"
	"testing"
)

func TestG711KnownCodes(t *testing.T) {
	tests := []struct {
		name string
		dec  func(byte) int16
		code byte
		want int16
	}{
		{"ulaw 0xFF is +0", ULawToLinear, 0xFF, 0},
		{"ulaw 0x7F is -0", ULawToLinear, 0x7F, 0},
		{"ulaw 0x80 max", ULawToLinear, 0x80, 32124},
		{"ulaw 0x00 min", ULawToLinear, 0x00, -32124},
		{"ulaw 0xFE", ULawToLinear, 0xFE, 8},
		{"alaw 0xD5 smallest +", ALawToLinear, 0xD5, 8},
		{"alaw 0x55 smallest -", ALawToLinear, 0x55, -8},
		{"alaw 0xAA max", ALawToLinear, 0xAA, 32256},
		{"alaw 0x2A min", ALawToLinear, 0x2A, -32256},
	}
	for _, tc := range tests {
		if got := tc.dec(tc.code); got != tc.want {
			t.Errorf("%s: decode(%#x) = %d, want %d", tc.name, tc.code, got, tc.want)
		}
	}
	if c := LinearToULaw(0); c != 0xFF {
		t.Errorf("LinearToULaw(0) = %#x, want 0xff", c)
	}
	if c := LinearToALaw(0); c != 0xD5 {
		t.Errorf("LinearToALaw(0) = %#x, want 0xd5", c)
	}
}

// Every code must survive decode → encode unchanged (except µ-law -0).
func TestG711RoundTripCodes(t *testing.T) {
	for i := range 256 {
		c := byte(i)
		if c != 0x7F {
			if got := LinearToULaw(ULawToLinear(c)); got != c {
				t.Errorf("ulaw %#x → %d → %#x", c, ULawToLinear(c), got)
			}
		}
		if got := LinearToALaw(ALawToLinear(c)); got != c {
			t.Errorf("alaw %#x → %d → %#x", c, ALawToLinear(c), got)
		}
	}
}

// Encoding every 16-bit value must be monotonic and its quantisation error
// bounded by half a step of its segment (G.711 is ~8-bit log PCM: < 1/16 rel.).
func TestG711Quantisation(t *testing.T) {
	for _, law := range []struct {
		name string
		enc  func(int16) byte
		dec  func(byte) int16
	}{{"ulaw", LinearToULaw, ULawToLinear}, {"alaw", LinearToALaw, ALawToLinear}} {
		prev := int16(math.MinInt16)
		for v := math.MinInt16; v <= math.MaxInt16; v++ {
			y := law.dec(law.enc(int16(v)))
			if y < prev {
				t.Fatalf("%s: not monotonic at %d: %d < %d", law.name, v, y, prev)
			}
			prev = y
			err := math.Abs(float64(y) - float64(v))
			if lim := math.Max(16, math.Abs(float64(v))/16+1); err > lim && math.Abs(float64(v)) < 32000 {
				t.Fatalf("%s: %d → %d, error %.0f > %.0f", law.name, v, y, err, lim)
			}
		}
	}
}

func TestG711SliceHelpers(t *testing.T) {
	pcm := []int16{0, 100, -100, 1000, -1000, 32767, -32768}
	u := EncodeULaw(nil, pcm)
	a := EncodeALaw(make([]byte, 0, 16), pcm)
	du := DecodeULaw(nil, u)
	da := DecodeALaw(nil, a)
	if len(du) != len(pcm) || len(da) != len(pcm) {
		t.Fatalf("lengths %d %d, want %d", len(du), len(da), len(pcm))
	}
	buf := make([]int16, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = DecodeULaw(buf[:0], u) }); n != 0 {
		t.Errorf("DecodeULaw allocates %.0f times with capacity", n)
	}
	d := NewPCMU()
	out := make([]int16, len(u))
	n, err := d.Decode(u, out)
	if err != nil || n != len(u) {
		t.Fatalf("Decode = %d, %v", n, err)
	}
	for i := range out {
		if out[i] != du[i] {
			t.Errorf("Decode[%d] = %d, DecodeULaw %d", i, out[i], du[i])
		}
	}
	if _, err := d.Decode(u, out[:2]); err == nil {
		t.Error("short pcm: want ErrShortBuffer")
	}
}

func BenchmarkPCMUDecode(b *testing.B) {
	d := NewPCMU()
	payload := make([]byte, 160) // 20 ms
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	pcm := make([]int16, 160)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := d.Decode(payload, pcm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeULaw(b *testing.B) {
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(10000 * math.Sin(float64(i)/5))
	}
	dst := make([]byte, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		dst = EncodeULaw(dst[:0], pcm)
	}
}
