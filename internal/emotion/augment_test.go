package emotion

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func tone(f float64, n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = 0.3 * math.Sin(2*math.Pi*f*float64(i)/16000)
	}
	return y
}

// zeroCrossRate estimates a tone's frequency from its zero crossings.
func zeroCrossFreq(y []float64) float64 {
	n := 0
	for i := 1; i < len(y); i++ {
		if (y[i] >= 0) != (y[i-1] >= 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(y)) / 16000)
}

// speed changes pitch and duration together; WSOLA changes duration and keeps the pitch.
func TestSpeedAndWSOLA(t *testing.T) {
	x := tone(200, 32000)
	s := speed(x, 1.1)
	if d := float64(len(s)) - 32000/1.1; d < -1 || d > 1 {
		t.Errorf("speed 1.1: %d samples", len(s))
	}
	if f := zeroCrossFreq(s[1000 : len(s)-1000]); math.Abs(f-220) > 3 {
		t.Errorf("speed 1.1: %.1f Hz, want 220", f)
	}
	w := wsola(x, 1.2)
	if d := float64(len(w)) - 32000/1.2; d < -1 || d > 1 {
		t.Errorf("wsola 1.2: %d samples", len(w))
	}
	if f := zeroCrossFreq(w[1000 : len(w)-1000]); math.Abs(f-200) > 4 {
		t.Errorf("wsola 1.2: %.1f Hz, want 200", f)
	}
}

// The per-hop front end is the same filter as the whole-signal band limit.
func TestFrontEndMatchesBandLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 4800)
	for i := range x {
		x[i] = 0.1 * r.NormFloat64()
	}
	want := slices.Clone(x)
	bandLimit(want)
	fe := newFrontEnd()
	got := make([]float32, 160)
	for h := 0; h+160 <= len(x); h += 160 {
		fe.process(got, toF32(x[h:h+160]))
		for i, v := range got {
			if math.Abs(float64(v)-want[h+i]) > 1e-5 {
				t.Fatalf("sample %d: %v, want %v", h+i, v, want[h+i])
			}
		}
	}
}

// G.711 A-law and µ-law round trips keep a 1 kHz tone; the band limit removes 6 kHz.
func TestG711AndBand(t *testing.T) {
	for _, alaw := range []bool{false, true} {
		y := tone(1000, 16000)
		g711(y, alaw)
		if p := blockPow(y[4000:]) / blockPow(tone(1000, 16000)[4000:]); p < 0.6 || p > 1.4 {
			t.Errorf("alaw=%v: 1 kHz power ratio %.2f", alaw, p)
		}
	}
	y := tone(6000, 16000)
	bandLimit(y)
	if p := blockPow(y[4000:]) / blockPow(tone(6000, 16000)[4000:]); p > 0.01 {
		t.Errorf("6 kHz through the band limit: power ratio %.3f", p)
	}
}

// Noise lands at the requested SNR; the AGC pulls a quiet signal up towards −20 dBFS.
func TestNoiseAndAGC(t *testing.T) {
	for _, kind := range []string{"white", "pink", "brown"} {
		x := tone(300, 32000)
		y := slices.Clone(x)
		addNoise(y, kind, 10, rand.New(rand.NewPCG(1, 1)))
		var n float64
		for i := range y {
			d := y[i] - x[i]
			n += d * d
		}
		snr := 10 * math.Log10(blockPow(x)/(n/float64(len(x))))
		if math.Abs(snr-10) > 0.5 {
			t.Errorf("%s noise: SNR %.2f dB, want 10", kind, snr)
		}
	}
	y := tone(300, 48000)
	scale(y, 0.01) // −50 dBFS peak
	agc(y)
	if rms := math.Sqrt(blockPow(y[32000:])); rms < 0.01 || rms > 0.15 {
		t.Errorf("after AGC rms %.4f", rms)
	}
}

// The chain is reproducible from the seed, and a crop keeps about the asked length.
func TestAugmentReproducibleAndCrops(t *testing.T) {
	x := toF32(tone(150, 80000)) // 5 s
	p := DrawAug(rand.New(rand.NewPCG(9, 9)), -10, false, 0)
	a := Augment(x, p, rand.New(rand.NewPCG(5, 5)))
	b := Augment(x, p, rand.New(rand.NewPCG(5, 5)))
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different audio")
	}
	if p.Line == "opus" {
		t.Fatal("opus drawn although unavailable")
	}
	c := cropActive(tone(150, 80000), 1.5, rand.New(rand.NewPCG(1, 1)))
	if d := float64(len(c)) / 16000; d < 1.5 || d > 1.5+0.4+0.01 {
		t.Errorf("crop of 1.5 s kept %.2f s", d)
	}
	h := reverb(tone(150, 16000), 0.4, rand.New(rand.NewPCG(1, 1)))
	if len(h) != 16000 {
		t.Errorf("reverb changed the length to %d", len(h))
	}
}
