package whipclient

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// wavBytes builds a PCM WAV file in memory.
func wavBytes(rate, chans, bits int, frames [][]int16) []byte {
	var data bytes.Buffer
	for i := range frames[0] {
		for c := 0; c < chans; c++ {
			v := frames[c][i]
			switch bits {
			case 16:
				_ = binary.Write(&data, binary.LittleEndian, v)
			case 8:
				data.WriteByte(byte(int(v>>8) + 128))
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+data.Len()))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, binary.LittleEndian, uint32(16))
	_ = binary.Write(&b, binary.LittleEndian, uint16(1))
	_ = binary.Write(&b, binary.LittleEndian, uint16(chans))
	_ = binary.Write(&b, binary.LittleEndian, uint32(rate))
	_ = binary.Write(&b, binary.LittleEndian, uint32(rate*chans*bits/8))
	_ = binary.Write(&b, binary.LittleEndian, uint16(chans*bits/8))
	_ = binary.Write(&b, binary.LittleEndian, uint16(bits))
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

func sine(hz float64, rate, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(10000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return out
}

func TestReadWAVStereoResampled(t *testing.T) {
	b := wavBytes(16000, 2, 16, [][]int16{sine(200, 16000, 16000), sine(300, 16000, 16000)})
	ch, err := ReadWAV(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 2 {
		t.Fatalf("%d channels", len(ch))
	}
	if n := len(ch[0]); n < 7900 || n > 8200 || n%FrameSamples != 0 {
		t.Fatalf("1 s at 16 kHz became %d samples at 8 kHz (want ≈ 8000, whole frames)", n)
	}
	// Zero crossings over the middle second tell the frequency of each channel.
	for c, want := range []float64{200, 300} {
		x := ch[c][1000:7000]
		z := 0
		for i := 1; i < len(x); i++ {
			if (x[i-1] < 0) != (x[i] < 0) {
				z++
			}
		}
		hz := float64(z) / 2 / (float64(len(x)) / Rate)
		if math.Abs(hz-want) > 3 {
			t.Errorf("channel %d: %.1f Hz, want %.0f", c, hz, want)
		}
	}
}

func TestReadWAVRejects(t *testing.T) {
	good := wavBytes(8000, 1, 16, [][]int16{sine(200, 8000, 800)})
	three := wavBytes(8000, 3, 16, [][]int16{sine(1, 8000, 8), sine(1, 8000, 8), sine(1, 8000, 8)})
	for name, b := range map[string][]byte{
		"empty":      nil,
		"text":       []byte("hello world, not a wav"),
		"truncated":  good[:30],
		"3 channels": three,
	} {
		if _, err := ReadWAV(bytes.NewReader(b)); !errors.Is(err, ErrWAV) {
			t.Errorf("%s: err %v, want ErrWAV", name, err)
		}
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Add(wavBytes(8000, 1, 16, [][]int16{sine(200, 8000, 400)}))
	f.Add(wavBytes(22050, 2, 8, [][]int16{sine(200, 22050, 100), sine(300, 22050, 100)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		ch, err := ReadWAV(bytes.NewReader(b))
		if err == nil && (len(ch) < 1 || len(ch) > 2) {
			t.Fatalf("accepted %d channels", len(ch))
		}
	})
}
