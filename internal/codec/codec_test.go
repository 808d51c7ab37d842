package codec

import (
	"errors"
	"testing"
)

func TestForCodec(t *testing.T) {
	tests := []struct {
		mime    string
		rate    int
		name    string
		outRate int
		err     error
	}{
		{"audio/opus", 48000, "opus", OpusAnalysisRate, nil},
		{"AUDIO/OPUS", 0, "opus", OpusAnalysisRate, nil},
		{"audio/PCMU", 8000, "PCMU", 8000, nil},
		{"audio/pcmu", 0, "PCMU", 8000, nil},
		{"audio/PCMA", 8000, "PCMA", 8000, nil},
		{"audio/L16", 16000, "L16", 16000, nil},
		{"audio/l16", 44100, "L16", 44100, nil},
		{"audio/PCMU", 16000, "", 0, ErrUnsupported},
		{"audio/opus", 16000, "", 0, ErrUnsupported},
		{"audio/G722", 8000, "", 0, ErrUnsupported},
		{"video/VP8", 90000, "", 0, ErrUnsupported},
	}
	for _, tc := range tests {
		d, err := ForCodec(tc.mime, tc.rate)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("ForCodec(%q, %d) error %v, want %v", tc.mime, tc.rate, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ForCodec(%q, %d): %v", tc.mime, tc.rate, err)
			continue
		}
		if d.Name() != tc.name || d.SampleRate() != tc.outRate {
			t.Errorf("ForCodec(%q, %d) = %s@%d, want %s@%d", tc.mime, tc.rate, d.Name(), d.SampleRate(), tc.name, tc.outRate)
		}
	}
}

func TestConcealFadeThenSilence(t *testing.T) {
	d := NewL16(8000)
	frame := make([]int16, 160)
	for i := range frame {
		frame[i] = 1000
	}
	if _, err := d.Decode(EncodeL16(nil, frame), make([]int16, 160)); err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 320)
	if n := d.Conceal(pcm, 0); n != 160 {
		t.Fatalf("Conceal(0) = %d, want last frame length 160", n)
	}
	if pcm[0] != 1000 || pcm[80] > 510 || pcm[80] < 490 || pcm[159] > 10 {
		t.Errorf("fade: pcm[0]=%d pcm[80]=%d pcm[159]=%d", pcm[0], pcm[80], pcm[159])
	}
	for i := 1; i < 160; i++ {
		if pcm[i] > pcm[i-1] {
			t.Fatalf("fade not monotonic at %d", i)
		}
	}
	pcm[5] = 7
	if n := d.Conceal(pcm, 320); n != 320 {
		t.Fatalf("Conceal(320) = %d", n)
	}
	for i, v := range pcm {
		if v != 0 {
			t.Fatalf("second loss: pcm[%d] = %d, want silence", i, v)
		}
	}
	if n := d.Conceal(pcm[:10], 160); n != 10 {
		t.Errorf("Conceal into 10 = %d, want 10", n)
	}
	if n := testing.AllocsPerRun(50, func() { d.Conceal(pcm, 160) }); n != 0 {
		t.Errorf("Conceal allocates %.0f", n)
	}
}

func TestL16(t *testing.T) {
	pcm := []int16{0, 1, -1, 32767, -32768, 0x1234}
	be := EncodeL16(nil, pcm)
	if be[10] != 0x12 || be[11] != 0x34 {
		t.Errorf("not big-endian: % x", be)
	}
	le := EncodeL16LE(nil, pcm)
	if le[10] != 0x34 || le[11] != 0x12 {
		t.Errorf("not little-endian: % x", le)
	}
	for name, got := range map[string][]int16{"BE": DecodeL16(nil, be), "LE": DecodeL16LE(nil, le)} {
		for i := range pcm {
			if got[i] != pcm[i] {
				t.Errorf("%s[%d] = %d, want %d", name, i, got[i], pcm[i])
			}
		}
	}
	d := NewL16(16000)
	out := make([]int16, 8)
	n, err := d.Decode(be, out)
	if err != nil || n != len(pcm) || out[5] != 0x1234 {
		t.Errorf("Decode = %d, %v, %v", n, err, out)
	}
	n, err = d.Decode(be[:3], out)
	if n != 1 || !errors.Is(err, ErrCorrupt) {
		t.Errorf("odd payload: %d, %v; want 1, ErrCorrupt", n, err)
	}
}

func TestSeqTracker(t *testing.T) {
	type step struct {
		seq  uint16
		lost int
		ok   bool
	}
	tests := []struct {
		name                         string
		steps                        []step
		packets, lost, late, dup, rs uint64
	}{
		{"in order", []step{{10, 0, true}, {11, 0, true}, {12, 0, true}}, 3, 0, 0, 0, 0},
		{"gap", []step{{10, 0, true}, {13, 2, true}, {14, 0, true}}, 3, 2, 0, 0, 0},
		{"wraparound", []step{{65534, 0, true}, {65535, 0, true}, {0, 0, true}, {2, 1, true}}, 4, 1, 0, 0, 0},
		{"duplicate", []step{{5, 0, true}, {6, 0, true}, {6, 0, false}, {5, 0, false}}, 2, 0, 0, 2, 0},
		{"late then dup", []step{{5, 0, true}, {7, 1, true}, {6, 0, false}, {6, 0, false}}, 2, 1, 1, 1, 0},
		{"late across wrap", []step{{65535, 0, true}, {1, 1, true}, {0, 0, false}}, 2, 1, 1, 0, 0},
		{"jump of 51 lost counted", []step{{100, 0, true}, {151, 50, true}}, 2, 50, 0, 0, 0},
		{"huge jump resets", []step{{100, 0, true}, {5000, 0, true}, {5001, 0, true}}, 3, 0, 0, 0, 1},
		{"big backwards resets", []step{{5000, 0, true}, {100, 0, true}, {101, 0, true}}, 3, 0, 0, 0, 1},
	}
	for _, tc := range tests {
		var tr SeqTracker
		for i, s := range tc.steps {
			lost, ok := tr.Push(s.seq)
			if lost != s.lost || ok != s.ok {
				t.Errorf("%s: step %d Push(%d) = %d, %v; want %d, %v", tc.name, i, s.seq, lost, ok, s.lost, s.ok)
			}
		}
		if tr.Packets != tc.packets || tr.Lost != tc.lost || tr.Late != tc.late || tr.Duplicates != tc.dup || tr.Resets != tc.rs {
			t.Errorf("%s: counters %+v", tc.name, tr)
		}
	}
}
