package codec

import "testing"

// Untrusted payloads must never panic any decoder, and sample counts must
// stay within the pcm buffer.
func fuzzDecoder(f *testing.F, newDec func() Decoder) {
	f.Add([]byte{})
	f.Add([]byte{0x00})
	f.Add([]byte{0xF8, 0xFF, 0xFE})
	f.Add([]byte{0x78, 0x0b, 0xe4, 0xc1, 0x36, 0x00, 0x11})
	f.Add([]byte{0xFB, 0x03, 0x01, 0x02, 0x03, 0x04})
	f.Add(opusPacket(opusTOC["silk-wb-20ms"], 60, 3))
	f.Fuzz(func(t *testing.T, payload []byte) {
		d := newDec()
		pcm := make([]int16, OpusMaxSamples)
		for range 2 { // twice: state carried over from a bad packet
			n, err := d.Decode(payload, pcm)
			if n < 0 || n > len(pcm) || (err != nil && n != 0 && d.Name() != "L16") {
				t.Fatalf("%s: Decode = %d, %v", d.Name(), n, err)
			}
			if c := d.Conceal(pcm, 960); c != 960 {
				t.Fatalf("%s: Conceal = %d", d.Name(), c)
			}
		}
	})
}

func FuzzPCMU(f *testing.F) { fuzzDecoder(f, NewPCMU) }
func FuzzPCMA(f *testing.F) { fuzzDecoder(f, NewPCMA) }
func FuzzL16(f *testing.F)  { fuzzDecoder(f, func() Decoder { return NewL16(16000) }) }
func FuzzOpus(f *testing.F) {
	fuzzDecoder(f, func() Decoder {
		d, err := NewOpus()
		if err != nil {
			panic(err)
		}
		return d
	})
}
