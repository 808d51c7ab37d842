package codec

import (
	"math"
	"os"
	"testing"
)

// The shipped Ogg Opus fixture (scripts/make-speech-fixture.sh) reads as 20 ms packets
// that decode to the fixture's length, with speech in them.
func TestReadOggOpusFixture(t *testing.T) {
	f, err := os.Open("../call/testdata/speech8k.opus")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkts, err := ReadOggOpus(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pkts); n < 380 || n > 385 { // 7.65 s plus the encoder's pre-skip
		t.Fatalf("%d packets", n)
	}
	dec, _ := NewOpus()
	pcm := make([]int16, OpusMaxSamples)
	var loud int
	for _, p := range pkts {
		n, err := dec.Decode(p, pcm)
		if err != nil || n != 960 {
			t.Fatalf("decode: %d samples, %v", n, err)
		}
		if rms(pcm[:n]) > 1000 {
			loud++
		}
	}
	if loud < 100 || loud > 300 {
		t.Errorf("%d of %d packets with speech", loud, len(pkts))
	}
	if _, err := ReadOggOpus(f); err == nil {
		t.Error("an empty stream read as Opus")
	}
}

func rms(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(x)))
}
