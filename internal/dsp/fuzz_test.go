package dsp

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// Resampling any signal in any chunking equals resampling it at once, and
// never panics; output stays bounded (the filter's overshoot is small).
func FuzzResamplerChunks(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(7), uint8(0))
	f.Add(make([]byte, 4000), uint8(160), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk, pair uint8) {
		rates := [][2]int{{48000, 16000}, {8000, 16000}, {44100, 16000}, {16000, 16000}, {16000, 8000}}
		rp := rates[int(pair)%len(rates)]
		src := make([]int16, len(data)/2)
		for i := range src {
			src[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		one, err := NewResampler(rp[0], rp[1])
		if err != nil {
			t.Fatal(err)
		}
		want := one.Process(nil, src)
		r, _ := NewResampler(rp[0], rp[1])
		var got []float32
		c := int(chunk)%200 + 1
		for s := src; len(s) > 0; {
			n := min(c, len(s))
			got = r.Process(got, s[:n])
			s = s[n:]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%v chunk %d: chunked output differs", rp, c)
		}
		bound := float32(1)
		for _, ph := range r.phases { // worst case |y| ≤ max_p Σ|h_p|
			var l1 float32
			for _, h := range ph {
				l1 += float32(math.Abs(float64(h)))
			}
			bound = max(bound, l1*1.001)
		}
		for _, v := range got {
			if v != v || v > bound || v < -bound {
				t.Fatalf("output sample %v beyond the filter's L1 bound %v", v, bound)
			}
		}
	})
}

// Pitch on arbitrary 16-bit audio: no panic, hz finite and in range when
// voiced, conf in [0, 1].
func FuzzPitch(f *testing.F) {
	f.Add(make([]byte, 1280))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewPitch(16000, 60, 500, 640)
		x := make([]float32, len(data)/2)
		for i := range x {
			x[i] = float32(int16(binary.LittleEndian.Uint16(data[2*i:]))) / 32768
		}
		hz, conf, voiced := p.Estimate(x)
		if math.IsNaN(hz) || math.IsInf(hz, 0) || conf < 0 || conf > 1 {
			t.Fatalf("hz %v conf %v", hz, conf)
		}
		if voiced && (hz < 60*0.9 || hz > 500*1.1) {
			t.Fatalf("voiced at %v Hz, outside 60–500", hz)
		}
	})
}
