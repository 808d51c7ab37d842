package features

import "math"

// pitch runs YIN (de Cheveigné & Kawahara, JASA 111(4), 2002) on the 40 ms window
// decimated to 8 kHz, with
// the difference function computed from an FFT autocorrelation:
//
//	d(τ) = Σ_{j<W-τ} x_j² + Σ_{τ≤j<W} x_j² − 2·r(τ),  r(τ) = Σ_{j<W-τ} x_j·x_{j+τ}
//
// and the cumulative-mean-normalised difference d'(τ) = d(τ)·τ / Σ_{1..τ} d. It returns the
// period T0 in 8 kHz samples (0 when unvoiced, parabolically interpolated), the voicing
// probability 1 − d'(T0), and the HNR in dB from the normalised autocorrelation
// ρ = 1 − d(T0)/(E_a + E_b): HNR = 10·log10(ρ / (1 − ρ)) (Boersma 1993), clipped to [−10, 40].
func (e *Extractor) pitch(frameDB float64) (t0, vprob, hnr float64) {
	x := e.buf8
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	e.cs[0] = 0
	for i, v := range x {
		d := v - mean
		e.pbuf[i] = d
		e.cs[i+1] = e.cs[i] + d*d
	}
	clear(e.pbuf[len(x):])
	e.pfft.Coefficients(e.pcoef, e.pbuf)
	for k, c := range e.pcoef {
		e.pcoef[k] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	e.pfft.Sequence(e.acf, e.pcoef)
	scale := 1.0 / fftPitch
	W := len(x)
	total := e.cs[W]
	if total <= 0 || frameDB < silenceDB {
		return 0, 0, math.NaN()
	}
	run := 0.0
	e.cmndf[0] = 1
	best, bestV := -1, math.Inf(1)
	for tau := 1; tau <= maxLag; tau++ {
		d := e.cs[W-tau] + (total - e.cs[tau]) - 2*e.acf[tau]*scale
		if d < 0 {
			d = 0
		}
		run += d
		v := 1.0
		if run > 0 {
			v = d * float64(tau) / run
		}
		e.cmndf[tau] = v
	}
	for tau := minLag; tau <= maxLag; tau++ {
		v := e.cmndf[tau]
		if v < yinThresh {
			for tau+1 <= maxLag && e.cmndf[tau+1] < e.cmndf[tau] {
				tau++
			}
			best, bestV = tau, e.cmndf[tau]
			break
		}
		if v < bestV {
			best, bestV = tau, v
		}
	}
	vprob = math.Max(0, math.Min(1, 1-bestV))
	if best < 0 || bestV > voicedMax || best >= maxLag || best <= minLag {
		return 0, vprob, math.NaN()
	}
	// Parabolic interpolation around the minimum.
	a, b, c := e.cmndf[best-1], e.cmndf[best], e.cmndf[best+1]
	shift := 0.0
	if den := a - 2*b + c; den > 0 {
		shift = 0.5 * (a - c) / den
	}
	t0 = float64(best) + math.Max(-0.5, math.Min(0.5, shift))
	ea := e.cs[W-best]
	eb := total - e.cs[best]
	d := ea + eb - 2*e.acf[best]*scale
	rho := 1 - d/(ea+eb+1e-12)
	rho = math.Max(1e-4, math.Min(rho, 0.9999))
	hnr = 10 * math.Log10(rho/(1-rho))
	hnr = math.Max(-10, math.Min(40, hnr))
	return t0, vprob, hnr
}

// formants estimates F1–F3 as the first three peaks above 150 Hz of the LPC envelope
// 1/|A(e^{jω})|² (autocorrelation method, order 10 at 8 kHz, Levinson–Durbin; Markel &
// Gray 1976) of the pre-emphasised Hamming-windowed 25 ms frame at 8 kHz. Missing peaks are NaN.
func (e *Extractor) formants() {
	frame := e.buf8[win8-frame8:]
	var mean float64
	for _, v := range frame {
		mean += v
	}
	mean /= frame8
	prev := frame[0] - mean
	for i, v := range frame {
		d := v - mean
		e.lpcIn[i] = (d - preEmph*prev) * e.win8[i]
		prev = d
	}
	for k := 0; k <= lpcOrder; k++ {
		s := 0.0
		for i := k; i < frame8; i++ {
			s += e.lpcIn[i] * e.lpcIn[i-k]
		}
		e.lpcR[k] = s
	}
	nan := math.NaN()
	e.out[F1], e.out[F2], e.out[F3] = nan, nan, nan
	if e.lpcR[0] <= 0 {
		return
	}
	e.lpcR[0] *= 1 + 1e-9 // white-noise correction
	a, tmp := e.lpcA, e.lpcTmp
	clear(a)
	a[0] = 1
	errp := e.lpcR[0]
	for i := 1; i <= lpcOrder; i++ {
		acc := e.lpcR[i]
		for j := 1; j < i; j++ {
			acc += a[j] * e.lpcR[i-j]
		}
		k := -acc / errp
		copy(tmp, a)
		for j := 1; j < i; j++ {
			a[j] = tmp[j] + k*tmp[i-j]
		}
		a[i] = k
		errp *= 1 - k*k
		if errp <= 0 {
			return
		}
	}
	clear(e.lbuf)
	copy(e.lbuf, a)
	e.lfft.Coefficients(e.lcoef, e.lbuf)
	for k, c := range e.lcoef {
		e.env[k] = -math.Log(real(c)*real(c) + imag(c)*imag(c) + 1e-12)
	}
	binHz := float64(rate8) / fftLPC
	found := 0
	for k := int(150/binHz) + 1; k < len(e.env)-1 && found < 3; k++ {
		if e.env[k] > e.env[k-1] && e.env[k] >= e.env[k+1] {
			y0, y1, y2 := e.env[k-1], e.env[k], e.env[k+1]
			sh := 0.0
			if den := y0 - 2*y1 + y2; den < 0 {
				sh = 0.5 * (y0 - y2) / den
			}
			e.out[F1+found] = (float64(k) + sh) * binHz
			found++
		}
	}
}
