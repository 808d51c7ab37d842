package features

import (
	"math"

	"github.com/undertone/undertone/internal/dsp"
)

const binHz = dsp.SpectrumBinHz // 31.25 Hz

// bin is the first bin at or above f Hz.
func bin(f float64) int { return int(math.Ceil(f / binHz)) }

// Band edges of the spectral descriptors, in bins: [lo, hi).
var (
	alphaLo, alphaMid, alphaHi = bin(50), bin(1000), bin(5000)
	hamLo, hamMid, hamHi       = bin(0), bin(2000), bin(5000)
	hfLo, hfMid, hfHi          = bin(0), bin(4000), fftSpec/2 + 1
)

// melBank is the shared mel filter bank: numMel triangular filters evenly spaced on the
// mel scale over 20–8000 Hz, each weight multiplied by the pre-emphasis response
// |1 − 0.97·e^{−jω}|² of its bin (pre-emphasis applied in frequency), and the DCT-II
// matrix of cepstral coefficients 1..NumMFCC.
var melBank = func() (b struct {
	lo  [numMel]int
	w   [numMel][]float32
	dct [NumMFCC][numMel]float64
}) {
	hzToMel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	melToHz := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	lo, hi := hzToMel(20), hzToMel(SampleRate/2)
	var edges [numMel + 2]float64
	for i := range edges {
		edges[i] = melToHz(lo + (hi-lo)*float64(i)/float64(numMel+1))
	}
	for m := 0; m < numMel; m++ {
		a, c, d := edges[m], edges[m+1], edges[m+2]
		k0 := int(math.Ceil(a / binHz))
		k1 := min(int(math.Floor(d/binHz)), fftSpec/2)
		b.lo[m] = k0
		for k := k0; k <= k1; k++ {
			f := float64(k) * binHz
			v := (d - f) / (d - c)
			if f <= c {
				v = (f - a) / (c - a)
			}
			w := 2 * math.Pi * float64(k) / fftSpec
			emph := 1 + preEmph*preEmph - 2*preEmph*math.Cos(w)
			b.w[m] = append(b.w[m], float32(math.Max(v, 0)*emph))
		}
	}
	for k := range b.dct {
		for m := 0; m < numMel; m++ {
			b.dct[k][m] = math.Cos(math.Pi * float64(k+1) * (float64(m) + 0.5) / numMel)
		}
	}
	return b
}()

// spectral fills the spectrum-based descriptors from the power spectrum pow of the
// Hamming-windowed, mean-removed 25 ms frame (dsp.Spectrum).
func (e *Extractor) spectral(pow []float32) {
	out := e.out
	const eps = 1e-12
	pow = pow[:fftSpec/2+1]
	out[AlphaRatio] = 10 * math.Log10((bandSum(pow, alphaLo, alphaMid)+eps)/(bandSum(pow, alphaMid, alphaHi)+eps))
	out[Hammarberg] = 10 * (math.Log10(bandMax(pow, hamLo, hamMid)+eps) - math.Log10(bandMax(pow, hamMid, hamHi)+eps))
	out[HFRatio] = 10 * math.Log10((bandSum(pow, hfMid, hfHi)+eps)/(bandSum(pow, hfLo, hfMid)+eps))
	out[Slope0500] = slope(pow, 0, 500)
	out[Slope5001500] = slope(pow, 500, 1500)

	// Centroid, roll-off, flux over the spectrum.
	var tot, cen, magSum float64
	mag := e.mag[:len(pow)]
	for k, p := range pow {
		tot += float64(p)
		cen += float64(k) * float64(p)
		mag[k] = math.Sqrt(float64(p))
		magSum += mag[k]
	}
	cen *= binHz / (tot + eps)
	acc, roll, thr := 0.0, 0, 0.85*tot
	for k, p := range pow {
		acc += float64(p)
		if acc >= thr {
			roll = k
			break
		}
	}
	var flux float64
	inv := 1 / (magSum + eps)
	prevN := e.prevN[:len(pow)]
	for k, a := range mag {
		m := float32(a * inv)
		d := m - prevN[k]
		flux += float64(d * d)
		prevN[k] = m
	}
	out[Centroid] = cen / 1000
	out[Rolloff] = float64(roll) * binHz / 1000
	out[Flux] = flux * 100

	// MFCC 1..NumMFCC from pre-emphasised log mel energies (Davis & Mermelstein 1980).
	// Entropy of the normalised mel-band energies, in bits / log2(numMel).
	var melTot, ent float64
	for m := range e.melE {
		var s float32
		k0 := melBank.lo[m]
		w := melBank.w[m]
		for j, p := range pow[k0 : k0+len(w)] {
			s += w[j] * p
		}
		e.melE[m] = float64(s)
		melTot += float64(s)
	}
	for m, s := range e.melE {
		if q := s / (melTot + eps); q > 0 {
			ent -= q * math.Log2(q)
		}
		e.melE[m] = math.Log(s + 1e-10)
	}
	out[Entropy] = ent / math.Log2(numMel)
	for k := range melBank.dct {
		row := &melBank.dct[k]
		s := 0.0
		for m, c := range row {
			s += c * e.melE[m]
		}
		out[MFCC1+k] = s
	}
}

func bandSum(pow []float32, lo, hi int) float64 {
	var s float64
	for _, p := range pow[lo:min(hi, len(pow))] {
		s += float64(p)
	}
	return s
}

func bandMax(pow []float32, lo, hi int) float64 {
	var m float32
	for _, p := range pow[lo:min(hi, len(pow))] {
		m = max(m, p)
	}
	return float64(m)
}

// slope is the least-squares slope (dB per kHz) of the dB power spectrum over [lo, hi) Hz.
func slope(pow []float32, lo, hi float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for k := bin(lo); float64(k)*binHz < hi; k++ {
		x := float64(k) * binHz / 1000
		y := 10 * math.Log10(float64(pow[k])+1e-12)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}
