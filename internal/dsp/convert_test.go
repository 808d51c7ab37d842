package dsp

import (
	"math"
	"testing"
)

func TestConvertAndLevel(t *testing.T) {
	src := []int16{0, 16384, -32768, 32767, -1}
	f := make([]float32, 8)
	if n := Int16ToFloat(f, src); n != 5 || f[1] != 0.5 || f[2] != -1 {
		t.Errorf("Int16ToFloat: %d %v", n, f)
	}
	back := make([]int16, 5)
	if n := FloatToInt16(back, f[:5]); n != 5 {
		t.Fatalf("FloatToInt16 n = %d", n)
	}
	for i := range src {
		if back[i] != src[i] {
			t.Errorf("round trip [%d]: %d → %d", i, src[i], back[i])
		}
	}
	if n := FloatToInt16(back[:2], []float32{2, -2, 0}); n != 2 || back[0] != 32767 || back[1] != -32768 {
		t.Errorf("saturation: %d %v", n, back[:2])
	}

	tests := []struct {
		name      string
		x         []float32
		rms, peak float64
		tolerance float64
	}{
		{"empty", nil, Floor, Floor, 0},
		{"silence", make([]float32, 160), Floor, Floor, 0},
		{"full-scale sine", sine(16000, 1000, 1, 1600), -3.0103, 0, 0.01},
		{"-20 dBFS sine", sine(16000, 440, 0.1, 1600), -23.0103, -20, 0.05},
		{"dc 0.5", []float32{0.5, -0.5, 0.5, -0.5}, -6.0206, -6.0206, 0.001},
		{"below floor", []float32{1e-7, 1e-7}, Floor, Floor, 0},
	}
	for _, tc := range tests {
		rms, peak := LevelDB(tc.x)
		if math.Abs(rms-tc.rms) > tc.tolerance || math.Abs(peak-tc.peak) > tc.tolerance+0.01 {
			t.Errorf("%s: LevelDB = %.3f, %.3f; want %.3f, %.3f", tc.name, rms, peak, tc.rms, tc.peak)
		}
	}
}
