package dsp

import (
	"math"
	"testing"
)

func TestPitchTones(t *testing.T) {
	p := NewPitch(16000, 60, 500, 640)
	tests := []struct {
		name   string
		x      []float32
		hz     float64
		tol    float64 // relative
		voiced bool
	}{
		{"sine 100 Hz", sine(16000, 100, 0.5, 640), 100, 0.005, true},
		{"sine 220 Hz", sine(16000, 220, 0.5, 640), 220, 0.005, true},
		{"sine 330 Hz", sine(16000, 330, 0.5, 640), 330, 0.005, true},
		{"sine 440 Hz", sine(16000, 440, 0.5, 640), 440, 0.005, true},
		{"sine 65 Hz", sine(16000, 65, 0.5, 640), 65, 0.005, true},
		{"sine 480 Hz quiet", sine(16000, 480, 0.01, 640), 480, 0.005, true},
		{"glottal 220 Hz", glottal(16000, 220, 0.5, 640), 220, 0.005, true},
		{"glottal 110 Hz", glottal(16000, 110, 0.5, 640), 110, 0.005, true},
		{"glottal 180 Hz + noise", add(glottal(16000, 180, 0.5, 640), noise(3, 0.02, 640)), 180, 0.01, true},
		{"silence", make([]float32, 640), 0, 0, false},
		{"white noise", noise(1, 0.3, 640), 0, 0, false},
		{"quiet white noise", noise(2, 0.001, 640), 0, 0, false},
	}
	for _, tc := range tests {
		hz, conf, voiced := p.Estimate(tc.x)
		if voiced != tc.voiced {
			t.Errorf("%s: voiced = %v (hz %.2f conf %.3f), want %v", tc.name, voiced, hz, conf, tc.voiced)
			continue
		}
		if conf < 0 || conf > 1 || math.IsNaN(hz) {
			t.Errorf("%s: hz %.2f conf %.3f out of range", tc.name, hz, conf)
		}
		if !tc.voiced {
			continue
		}
		if rel := math.Abs(hz-tc.hz) / tc.hz; rel > tc.tol {
			t.Errorf("%s: %.3f Hz, error %.3f%% > %.2f%%", tc.name, hz, rel*100, tc.tol*100)
		}
		if conf < 0.85 {
			t.Errorf("%s: confidence %.3f, want ≥ 0.85", tc.name, conf)
		}
	}
}

// Every frequency across the range, at several phases, within 0.5 %.
func TestPitchSweep(t *testing.T) {
	p := NewPitch(16000, 60, 500, 640)
	worst := 0.0
	for hz := 70.0; hz <= 490; hz *= 1.03 {
		x := sine(16000, hz, 0.3, 700)
		for off := 0; off < 60; off += 13 {
			got, _, voiced := p.Estimate(x[off : off+640])
			rel := math.Abs(got-hz) / hz
			worst = math.Max(worst, rel)
			if !voiced || rel > 0.005 {
				t.Errorf("%.1f Hz offset %d: got %.2f voiced %v", hz, off, got, voiced)
			}
		}
	}
	t.Logf("worst relative error %.4f%%", worst*100)
}

func TestPitchEdgeCases(t *testing.T) {
	p := NewPitch(16000, 60, 500, 640)
	if hz, _, v := p.Estimate(nil); v || hz != 0 {
		t.Errorf("nil: %v %v", hz, v)
	}
	if _, _, v := p.Estimate(sine(16000, 200, 0.5, 100)); v {
		t.Error("too short window reported voiced")
	}
	// A longer input is cut to its last Window() samples.
	long := sine(16000, 250, 0.5, 2000)
	if hz, _, v := p.Estimate(long); !v || math.Abs(hz-250) > 1.25 {
		t.Errorf("long input: %.2f %v", hz, v)
	}
	x := sine(16000, 200, 0.5, 640)
	if n := testing.AllocsPerRun(100, func() { p.Estimate(x) }); n != 0 {
		t.Errorf("Estimate allocates %.0f times", n)
	}
}

func add(a, b []float32) []float32 {
	for i := range a {
		a[i] += b[i]
	}
	return a
}

func BenchmarkPitchEstimate(b *testing.B) {
	p := NewPitch(16000, 60, 500, 640)
	x := glottal(16000, 150, 0.5, 640)
	b.ReportAllocs()
	for b.Loop() {
		p.Estimate(x)
	}
}
