package dsp

import (
	"math"
	"math/rand/v2"
)

// Synthetic test signals; no files needed.

func sine(rate, hz, amp float64, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*hz*float64(i)/rate))
	}
	return x
}

func sineInt16(rate, hz, amp float64, n int) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(math.Round(amp * 32767 * math.Sin(2*math.Pi*hz*float64(i)/rate)))
	}
	return x
}

func noise(seed uint64, amp float64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * r.NormFloat64())
	}
	return x
}

// glottal is a crude voiced-speech stand-in: a harmonic series with a
// −12 dB/octave glottal roll-off shaped by two formant-like resonant peaks,
// at fundamental f0.
func glottal(rate, f0, amp float64, n int) []float32 {
	x := make([]float32, n)
	formant := func(f, fc, bw float64) float64 { d := (f - fc) / bw; return 1 / (1 + d*d) }
	var peak float64
	tmp := make([]float64, n)
	for h := 1; float64(h)*f0 < rate/2*0.9; h++ {
		f := float64(h) * f0
		g := 1 / float64(h*h) * (0.3 + formant(f, 700, 120) + 0.6*formant(f, 1200, 150))
		for i := range tmp {
			tmp[i] += g * math.Sin(2*math.Pi*f*float64(i)/rate+float64(h)*0.7)
		}
	}
	for _, v := range tmp {
		peak = math.Max(peak, math.Abs(v))
	}
	for i, v := range tmp {
		x[i] = float32(amp * v / peak)
	}
	return x
}
