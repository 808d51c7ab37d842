package features

import (
	"math"

	"github.com/undertone/undertone/internal/dsp"
)

// hamming200 is the Hamming window of the 25 ms frame at 8 kHz, shared.
var hamming200 = func() (w [frame8]float64) {
	for i := range w {
		w[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(frame8-1))
	}
	return w
}()

var lpcFFT = dsp.NewRealFFT(fftLPC)

// formants estimates F1–F3 as the first three peaks above 150 Hz of the LPC envelope
// 1/|A(e^{jω})|² (autocorrelation method, order 10 at 8 kHz, Levinson–Durbin; Markel &
// Gray 1976) of the pre-emphasised Hamming-windowed 25 ms frame at 8 kHz (the newest
// frame8 samples of the stream's 8 kHz window). A peak of 1/|A|² is a dip of |A|², so the
// logarithm is taken only at the three bins around each peak, for its parabolic
// interpolation. Missing peaks are NaN.
func (e *Extractor) formants(frame []float32) {
	var mean float64
	for _, v := range frame {
		mean += float64(v)
	}
	mean /= frame8
	prev := float64(frame[0]) - mean
	in := &e.lpcIn
	for i, v := range frame {
		d := float64(v) - mean
		in[i] = (d - preEmph*prev) * hamming200[i]
		prev = d
	}
	r := &e.lpcR
	for k := range r {
		s := 0.0
		for i := k; i < frame8; i++ {
			s += in[i] * in[i-k]
		}
		r[k] = s
	}
	nan := math.NaN()
	e.out[F1], e.out[F2], e.out[F3] = nan, nan, nan
	if r[0] <= 0 {
		return
	}
	r[0] *= 1 + 1e-9 // white-noise correction
	a, tmp := &e.lpcA, &e.lpcT
	clear(a[:])
	a[0] = 1
	errp := r[0]
	for i := 1; i <= lpcOrder; i++ {
		acc := r[i]
		for j := 1; j < i; j++ {
			acc += a[j] * r[i-j]
		}
		k := -acc / errp
		*tmp = *a
		for j := 1; j < i; j++ {
			a[j] = tmp[j] + k*tmp[i-j]
		}
		a[i] = k
		errp *= 1 - k*k
		if errp <= 0 {
			return
		}
	}
	for i, v := range a {
		e.lbuf[i] = float32(v)
	}
	// |A|² per bin, in lre (lim is scratch).
	lpcFFT.Power(e.lre, e.lre, e.lim, e.lbuf[:])
	env := e.lre
	lpcBinHz := float64(rate8) / fftLPC
	found := 0
	for k := int(150/lpcBinHz) + 1; k < len(env)-1 && found < 3; k++ {
		if env[k] < env[k-1] && env[k] <= env[k+1] {
			y0 := -math.Log(float64(env[k-1]) + 1e-12)
			y1 := -math.Log(float64(env[k]) + 1e-12)
			y2 := -math.Log(float64(env[k+1]) + 1e-12)
			sh := 0.0
			if den := y0 - 2*y1 + y2; den < 0 {
				sh = 0.5 * (y0 - y2) / den
			}
			e.out[F1+found] = (float64(k) + sh) * lpcBinHz
			found++
		}
	}
}
