package dsp

import (
	"math"
	"slices"
	"testing"
)

// toneLevel measures the amplitude of frequency hz in x by correlation with
// a quadrature pair (skipping the filter's start-up transient).
func toneLevel(x []float32, rate, hz float64) float64 {
	x = x[len(x)/4:]
	var re, im float64
	for i, v := range x {
		ph := 2 * math.Pi * hz * float64(i) / rate
		re += float64(v) * math.Cos(ph)
		im += float64(v) * math.Sin(ph)
	}
	return 2 * math.Hypot(re, im) / float64(len(x))
}

func TestResamplerRates(t *testing.T) {
	for _, in := range []int{8000, 16000, 22050, 24000, 32000, 44100, 48000} {
		r, err := NewResampler(in, 16000)
		if err != nil {
			t.Fatalf("%d: %v", in, err)
		}
		src := sineInt16(float64(in), 1000, 0.5, in) // 1 s of 1 kHz
		out := r.Process(nil, src)
		if d := len(out) - 16000; d < -1 || d > 1 {
			t.Errorf("%d→16000: %d samples from 1 s", in, len(out))
		}
		if a := toneLevel(out, 16000, 1000); math.Abs(a-0.5) > 0.01 {
			t.Errorf("%d→16000: 1 kHz amplitude %.4f, want 0.5 (taps %d)", in, a, r.Taps())
		}
		if pass := toneLevel(r.ProcessFloat(nil, sine(float64(in), 3400, 0.5, in)), 16000, 3400); math.Abs(pass-0.5) > 0.01 {
			t.Errorf("%d→16000: 3.4 kHz amplitude %.4f", in, pass)
		}
	}
	if _, err := NewResampler(16000, 7919*2); err == nil {
		t.Error("16000 → 15838: want ErrRate (too many phases)")
	}
	if _, err := NewResampler(0, 16000); err == nil {
		t.Error("0 Hz: want ErrRate")
	}
}

// 48k → 16k must reject anything above 8 kHz by at least 40 dB after
// aliasing (the brief); the design gives ≥ 60 dB.
func TestResamplerAliasRejection(t *testing.T) {
	for _, in := range []int{48000, 44100, 32000} {
		for _, hz := range []float64{8000, 8500, 9000, 11000, 15000, 20000} {
			if hz >= float64(in)/2 {
				continue
			}
			r, _ := NewResampler(in, 16000)
			out := r.ProcessFloat(nil, sine(float64(in), hz, 0.9, in))
			// The alias of hz lands at |hz − k·16000| folded into 0..8000.
			alias := math.Mod(hz, 16000)
			if alias > 8000 {
				alias = 16000 - alias
			}
			rms, _ := LevelDB(out[len(out)/4:])
			rej := 20*math.Log10(0.9/math.Sqrt2) - rms
			lvl := toneLevel(out, 16000, alias)
			t.Logf("%d→16000: %.0f Hz rejected by %.1f dB", in, hz, rej)
			if rej < 60 {
				t.Errorf("%d→16000: %.0f Hz (alias %.0f Hz, amp %.5f) rejected by %.1f dB, want ≥ 60", in, hz, alias, lvl, rej)
			}
		}
	}
}

func TestResamplerUpsampleImages(t *testing.T) {
	r, _ := NewResampler(8000, 16000)
	out := r.ProcessFloat(nil, sine(8000, 3000, 0.9, 8000))
	// Upsampling 8→16 creates an image at 8000−3000 = 5000 Hz.
	if img := toneLevel(out, 16000, 5000); img > 0.9*0.001 {
		t.Errorf("8→16 kHz image at 5 kHz amplitude %.5f, want < -60 dB", img)
	}
}

func TestResamplerChunked(t *testing.T) {
	for _, rates := range [][2]int{{48000, 16000}, {8000, 16000}, {44100, 16000}, {16000, 16000}, {22050, 16000}} {
		src := make([]int16, 5000)
		copy(src, sineInt16(float64(rates[0]), 440, 0.3, len(src)))
		for i := range src {
			src[i] += int16(i*37%201) - 100
		}
		one, _ := NewResampler(rates[0], rates[1])
		want := one.Process(nil, src)
		for _, chunk := range []int{1, 7, 160, 960, 4999} {
			r, _ := NewResampler(rates[0], rates[1])
			var got []float32
			for s := src; len(s) > 0; {
				n := min(chunk, len(s))
				got = r.Process(got, s[:n])
				s = s[n:]
			}
			if !slices.Equal(got, want) {
				t.Errorf("%v chunks of %d: output differs from one-shot (%d vs %d samples)", rates, chunk, len(got), len(want))
			}
		}
		// Reset restores the initial state.
		one.Reset()
		if again := one.Process(nil, src); !slices.Equal(again, want) {
			t.Errorf("%v: output after Reset differs", rates)
		}
	}
}

func TestResamplerNoAlloc(t *testing.T) {
	r, _ := NewResampler(48000, 16000)
	src := sineInt16(48000, 300, 0.5, 960)
	dst := make([]float32, 0, r.MaxOut(len(src)))
	if n := testing.AllocsPerRun(100, func() { dst = r.Process(dst[:0], src) }); n != 0 {
		t.Errorf("Process allocates %.0f times per call", n)
	}
	if len(dst) != 320 {
		t.Errorf("960 samples at 48 kHz → %d, want 320", len(dst))
	}
}

func BenchmarkResampler(b *testing.B) {
	for _, in := range []int{48000, 8000, 44100} {
		b.Run(itoa(in)+"to16k_20ms", func(b *testing.B) {
			r, _ := NewResampler(in, 16000)
			src := sineInt16(float64(in), 300, 0.5, in/50)
			dst := make([]float32, 0, r.MaxOut(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				dst = r.Process(dst[:0], src)
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Delay is where an impulse comes out: the centre of the filter, in input samples.
func TestResamplerDelay(t *testing.T) {
	for _, tc := range []struct{ in, out int }{{8000, 16000}, {16000, 8000}, {48000, 16000}} {
		r, err := NewResampler(tc.in, tc.out)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]int16, 2000)
		x[500] = 30000
		y := r.Process(nil, x)
		var sum, moment float64
		for i, v := range y {
			e := float64(v) * float64(v)
			sum += e
			moment += e * float64(i)
		}
		at := moment / sum * float64(tc.in) / float64(tc.out) // energy centroid, in input samples
		if d := at - 500; math.Abs(d-r.Delay()) > 0.3 {
			t.Errorf("%d→%d: impulse delayed %.2f input samples, Delay() %.2f", tc.in, tc.out, d, r.Delay())
		}
	}
	if r, _ := NewResampler(16000, 16000); r.Delay() != 0 {
		t.Errorf("passthrough delay %v", r.Delay())
	}
}
