package codec

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// pion/opus has no encoder, so these tests use packets built by hand: a TOC
// byte (RFC 6716 §3.1) followed by frame bytes. The range decoder turns any
// frame bytes into some valid (noise-like) frame, which exercises the full
// decode path at realistic sizes.
var opusTOC = map[string]byte{
	"celt-fb-20ms": 31<<3 | 0, // config 31: CELT FB 20 ms, mono, code 0
	"silk-wb-20ms": 9<<3 | 0,  // config 9: SILK WB 20 ms
	"hybrid-fb-20": 15<<3 | 0, // config 15: Hybrid FB 20 ms
}

func opusPacket(toc byte, size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	p := make([]byte, size)
	p[0] = toc
	for i := 1; i < size; i++ {
		p[i] = byte(r.Uint32())
	}
	if toc>>3 < 16 && size > 1 {
		// SILK/Hybrid: the range coder's first two binary symbols are the
		// frame's VAD flag and LBRR (in-band FEC) flag (RFC 6716 §4.2.3).
		// Set VAD, clear LBRR, as a browser sends without reported loss.
		p[1] = p[1]&^0x40 | 0x80
	}
	return p
}

func TestOpusDecode(t *testing.T) {
	d, err := NewOpus()
	if err != nil {
		t.Fatal(err)
	}
	if d.SampleRate() != 48000 || d.Name() != "opus" {
		t.Fatalf("got %s@%d", d.Name(), d.SampleRate())
	}
	pcm := make([]int16, OpusMaxSamples)
	if n, err := d.Decode(nil, pcm); n != 0 || err != nil {
		t.Errorf("empty payload = %d, %v; want 0, nil", n, err)
	}
	for name, toc := range opusTOC {
		n, err := d.Decode(opusPacket(toc, 80, 1), pcm)
		if err != nil || n != 960 {
			t.Errorf("%s: Decode = %d, %v; want 960", name, n, err)
		}
	}
	// CELT silence frame: toc + 0xff 0xfe (silence flag set).
	n, err := d.Decode([]byte{0xF8, 0xFF, 0xFE}, pcm)
	if err != nil || n != 960 {
		t.Fatalf("silence frame = %d, %v", n, err)
	}
	// Code 3 with a frame count of 0 is malformed (RFC 6716 §3.2.5 R5).
	_, err = d.Decode([]byte{0xFB, 0x00}, pcm)
	if err == nil {
		t.Log("pion/opus accepted a zero-frame code 3 packet")
	} else if !errors.Is(err, ErrCorrupt) {
		t.Errorf("malformed packet error %v does not wrap ErrCorrupt", err)
	}
	if _, err := d.Decode(opusPacket(opusTOC["celt-fb-20ms"], 80, 2), pcm[:100]); !errors.Is(err, ErrShortBuffer) {
		t.Errorf("short pcm: %v, want ErrShortBuffer", err)
	}
	if n, err := d.Decode(opusPacket(opusTOC["celt-fb-20ms"], 80, 2), pcm[:960]); n != 960 || err != nil {
		t.Errorf("exact pcm: %d, %v", n, err)
	}
}

func TestOpusPacketSamples(t *testing.T) {
	tests := []struct {
		p    []byte
		want int
		bad  bool
	}{
		{nil, 0, false},
		{[]byte{31 << 3}, 960, false},              // CELT FB 20 ms
		{[]byte{16 << 3}, 120, false},              // CELT NB 2.5 ms
		{[]byte{3 << 3}, 2880, false},              // SILK NB 60 ms
		{[]byte{9<<3 | 1, 0}, 1920, false},         // SILK WB 20 ms, 2 frames CBR
		{[]byte{15<<3 | 2, 0}, 1920, false},        // Hybrid FB 20 ms, 2 frames VBR
		{[]byte{31<<3 | 3, 6}, 5760, false},        // 6 × 20 ms = 120 ms
		{[]byte{31<<3 | 3, 7}, 0, true},            // 140 ms > 120 ms
		{[]byte{31<<3 | 3, 0}, 0, true},            // zero frames
		{[]byte{31<<3 | 3}, 0, true},               // no count byte
		{[]byte{19<<3 | 3, 0x80 | 3}, 2880, false}, // CELT NB 20 ms, 3 frames, VBR flag set
	}
	for _, tc := range tests {
		got, err := OpusPacketSamples(tc.p)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("OpusPacketSamples(% x) = %d, %v; want %d (error %v)", tc.p, got, err, tc.want, tc.bad)
		}
	}
}

func BenchmarkOpusDecode(b *testing.B) {
	cases := map[string]byte{"silk-wb-20ms-lbrr": opusTOC["silk-wb-20ms"]}
	for name, toc := range opusTOC {
		cases[name] = toc
	}
	for name, toc := range cases {
		b.Run(name, func(b *testing.B) {
			d, _ := NewOpus()
			pkts := make([][]byte, 16)
			for i := range pkts {
				pkts[i] = opusPacket(toc, 60+i*4, uint64(i))
				if strings.HasSuffix(name, "-lbrr") {
					pkts[i][1] |= 0x40 // LBRR present: pion/opus allocates here
				}
			}
			pcm := make([]int16, OpusMaxSamples)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := d.Decode(pkts[i%len(pkts)], pcm); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// Decoding at 16 kHz gives the same signal as decoding at 48 kHz and resampling: every
// mode yields 20 ms (320 samples), and on the speech fixture (SILK wideband) the per-packet
// level agrees with the 48 kHz decode within 0.5 dB wherever there is speech.
func TestOpusAt16k(t *testing.T) {
	d16, err := NewOpusAt(16000)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, OpusMaxSamples)
	for name, toc := range opusTOC {
		if n, err := d16.Decode(opusPacket(toc, 80, 1), pcm); err != nil || n != 320 {
			t.Errorf("%s at 16 kHz: Decode = %d, %v; want 320", name, n, err)
		}
	}
	if _, err := d16.Decode(opusPacket(opusTOC["celt-fb-20ms"], 80, 2), pcm[:319]); !errors.Is(err, ErrShortBuffer) {
		t.Errorf("short pcm at 16 kHz: %v, want ErrShortBuffer", err)
	}
	if _, err := NewOpusAt(44100); err == nil {
		t.Error("44.1 kHz output accepted")
	}
	f, err := os.Open("../call/testdata/speech8k.opus")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkts, err := ReadOggOpus(f)
	if err != nil {
		t.Fatal(err)
	}
	d16, _ = NewOpusAt(16000)
	d48, _ := NewOpus()
	pcm48 := make([]int16, OpusMaxSamples)
	var compared int
	for i, p := range pkts {
		n16, err16 := d16.Decode(p, pcm)
		n48, err48 := d48.Decode(p, pcm48)
		if err16 != nil || err48 != nil || n16*3 != n48 {
			t.Fatalf("packet %d: %d samples at 16 kHz (%v), %d at 48 kHz (%v)", i, n16, err16, n48, err48)
		}
		l16, l48 := 20*math.Log10(rms(pcm[:n16])+1e-9), 20*math.Log10(rms(pcm48[:n48])+1e-9)
		if l48 > 60 { // speech (rms over 1000 of 32768)
			compared++
			if math.Abs(l16-l48) > 0.5 {
				t.Errorf("packet %d: %.2f dB at 16 kHz, %.2f dB at 48 kHz", i, l16, l48)
			}
		}
	}
	if compared < 100 {
		t.Errorf("only %d speech packets compared", compared)
	}
}
