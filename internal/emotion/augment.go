package emotion

import (
	"math"
	"math/rand/v2"

	"github.com/undertone/undertone/internal/codec"
	"gonum.org/v1/gonum/dsp/fourier"
)

// Training-time augmentation: a random chain that imitates what a real call does to a
// voice before it reaches the analyser. Each piece is a plain function on 16 kHz audio
// (float64, ±1) so the chain reads as a list and the held-out conditions of the transfer
// tests can reuse pieces the training chain never draws (see transfer.go).
//
// The chain (AugmentChain), in signal order:
//   - clip length: a random 1–6 s stretch of the active speech (short turns are the norm
//     in calls; long turns are split at Config.MaxUtterance);
//   - pitch and tempo: pitch and formants ×2^(±4/12) by resampling (a crude vocal-tract
//     and F0 change; ±4 semitones moved the male↔female transfer most in the ablation),
//     tempo ×[0.85, 1.15] by WSOLA (Verhelst & Roelands, ICASSP 1993) — speaker and
//     speaking-rate variety without new speakers (cf. Ko et al., "Audio augmentation for
//     speech recognition", Interspeech 2015);
//   - room: a synthetic exponentially decaying impulse response, RT60 0.15–0.7 s;
//   - background noise: white, pink or brown at 5–30 dB SNR against active speech;
//   - AGC: a slow automatic gain control that pumps the level towards −20 dBFS;
//   - line: wideband as is; 300–3400 Hz band-limited linear; G.711 µ-law or A-law at
//     8 kHz; or Opus at 6–16 kbit/s when opusenc/opusdec are installed (training only);
//   - level: a per-speaker gain of −24…−3 dB (one caller, one line).
//
// Never drawn here, so the transfer tests can hold them out: AMR-NB, GSM and babble noise.

// AugParams are the draws of one augmented copy.
type AugParams struct {
	Crop       float64 // seconds of active speech kept (0: all)
	Pitch      float64 // pitch factor (1: unchanged)
	Tempo      float64 // tempo factor (1: unchanged)
	RT60       float64 // reverberation time in seconds (0: dry)
	Noise      string  // "", "white", "pink", "brown"
	SNRDB      float64
	AGC        bool
	Line       string // "wide", "band", "ulaw", "alaw", "opus"
	OpusKbps   int
	GainDB     float64
	opusAbsent bool
}

// DefaultPitchRange is the pitch perturbation of the chain, ± semitones.
const DefaultPitchRange = 4.0

// DrawAug draws the parameters of one augmented copy; gainDB is the speaker's line level,
// pitchRange the ± semitones of the pitch perturbation (0: DefaultPitchRange).
func DrawAug(r *rand.Rand, gainDB float64, opus bool, pitchRange float64) AugParams {
	if pitchRange <= 0 {
		pitchRange = DefaultPitchRange
	}
	p := AugParams{Pitch: 1, Tempo: 1, GainDB: gainDB, Line: "wide"}
	if r.Float64() < 0.7 {
		p.Crop = 1 + 5*r.Float64()
	}
	if r.Float64() < 0.6 {
		p.Pitch = math.Exp2((r.Float64()*2 - 1) * pitchRange / 12)
		p.Tempo = 0.85 + 0.3*r.Float64()
	}
	if r.Float64() < 0.35 {
		p.RT60 = 0.15 + 0.55*r.Float64()
	}
	if r.Float64() < 0.8 {
		p.Noise = [...]string{"white", "pink", "brown"}[r.IntN(3)]
		p.SNRDB = 5 + 25*r.Float64()
	}
	p.AGC = r.Float64() < 0.4
	u := r.Float64()
	switch {
	case u < 0.2:
		p.Line = "wide"
	case u < 0.35:
		p.Line = "band"
	case u < 0.6:
		p.Line = "ulaw"
	case u < 0.75:
		p.Line = "alaw"
	default:
		p.Line, p.OpusKbps = "opus", 6+r.IntN(11)
		if !opus {
			p.Line, p.OpusKbps, p.opusAbsent = "ulaw", 0, true
		}
	}
	return p
}

// Augment applies the chain to 16 kHz audio and returns 16 kHz audio.
func Augment(x []float32, p AugParams, r *rand.Rand) []float32 {
	y := toF64(x)
	if p.Crop > 0 {
		y = cropActive(y, p.Crop, r)
	}
	if p.Pitch != 1 || p.Tempo != 1 {
		y = speed(y, p.Pitch)
		y = wsola(y, p.Tempo/p.Pitch)
	}
	if p.RT60 > 0 {
		y = reverb(y, p.RT60, r)
	}
	scale(y, math.Pow(10, p.GainDB/20))
	if p.Noise != "" {
		addNoise(y, p.Noise, p.SNRDB, r)
	}
	if p.AGC {
		agc(y)
	}
	switch p.Line {
	case "band":
		bandLimit(y)
	case "ulaw", "alaw":
		g711(y, p.Line == "alaw")
	case "opus":
		if z, err := opusRoundTrip(y, p.OpusKbps); err == nil {
			y = z
		} else {
			g711(y, false)
		}
	}
	return toF32(y)
}

func toF64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func toF32(y []float64) []float32 {
	out := make([]float32, len(y))
	for i, v := range y {
		out[i] = float32(math.Max(-1, math.Min(1, v)))
	}
	return out
}

func scale(y []float64, g float64) {
	for i := range y {
		y[i] *= g
	}
}

// activePower is the mean power of the 10 ms blocks within 30 dB of the loudest (the
// speech level the SNR refers to), and the first and last active sample.
func activePower(y []float64) (pow float64, first, last int) {
	const blk = 160
	mx := 0.0
	for i := 0; i+blk <= len(y); i += blk {
		mx = math.Max(mx, blockPow(y[i:i+blk]))
	}
	n := 0
	first, last = -1, -1
	for i := 0; i+blk <= len(y); i += blk {
		if s := blockPow(y[i : i+blk]); s > mx*1e-3 && s > 0 {
			pow += s
			n++
			if first < 0 {
				first = i
			}
			last = i + blk
		}
	}
	if n > 0 {
		pow /= float64(n)
	}
	return pow, first, last
}

func blockPow(b []float64) float64 {
	s := 0.0
	for _, v := range b {
		s += v * v
	}
	return s / float64(len(b))
}

// cropActive keeps a random stretch of `sec` seconds inside the active span, with 0.2 s
// of context each side; shorter spans are kept whole.
func cropActive(y []float64, sec float64, r *rand.Rand) []float64 {
	_, first, last := activePower(y)
	n := int(sec * 16000)
	if first < 0 || last-first <= n {
		return y
	}
	s := first + r.IntN(last-first-n+1)
	lo, hi := max(s-3200, 0), min(s+n+3200, len(y))
	return append([]float64(nil), y[lo:hi]...)
}

// speed resamples by factor f (f > 1: higher and faster) with Catmull-Rom cubic
// interpolation; augmentation only, so the mild aliasing of f ≤ 1.26 (above 6.3 kHz) is
// acceptable.
func speed(y []float64, f float64) []float64 {
	if f == 1 || len(y) < 4 {
		return y
	}
	n := int(float64(len(y)) / f)
	out := make([]float64, n)
	at := func(i int) float64 {
		if i < 0 || i >= len(y) {
			return 0
		}
		return y[i]
	}
	for i := range out {
		t := float64(i) * f
		j := int(t)
		u := t - float64(j)
		p0, p1, p2, p3 := at(j-1), at(j), at(j+1), at(j+2)
		out[i] = p1 + 0.5*u*(p2-p0+u*(2*p0-5*p1+4*p2-p3+u*(3*(p1-p2)+p3-p0)))
	}
	return out
}

// wsola changes the duration by 1/rate without changing pitch: waveform-similarity
// overlap-add (Verhelst & Roelands 1993) with 32 ms Hann frames at a 16 ms output hop and
// a ±8 ms search for the best-correlated input frame.
func wsola(y []float64, rate float64) []float64 {
	const frame, hop, tol = 512, 256, 128
	if math.Abs(rate-1) < 1e-3 || len(y) < frame+2*tol {
		return y
	}
	win := make([]float64, frame)
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/frame)
	}
	nOut := int(float64(len(y)) / rate)
	out := make([]float64, nOut+frame)
	norm := make([]float64, nOut+frame)
	prev := 0 // input position of the previous frame
	for k := 0; k*hop+frame <= len(out); k++ {
		target := int(float64(k*hop) * rate)
		best := target
		if k > 0 {
			// The natural continuation of the previous frame is prev+hop; pick the input
			// position near target whose frame best matches it.
			ref := prev + hop
			bestC := math.Inf(-1)
			for d := -tol; d <= tol; d += 2 {
				s := target + d
				if s < 0 || s+frame > len(y) || ref+frame > len(y) {
					continue
				}
				c := 0.0
				for i := 0; i < frame; i += 4 {
					c += y[s+i] * y[ref+i]
				}
				if c > bestC {
					bestC, best = c, s
				}
			}
		}
		if best < 0 || best+frame > len(y) {
			break
		}
		for i := 0; i < frame; i++ {
			out[k*hop+i] += y[best+i] * win[i]
			norm[k*hop+i] += win[i]
		}
		prev = best
	}
	for i := range out {
		if norm[i] > 1e-3 {
			out[i] /= norm[i]
		}
	}
	return out[:nOut]
}

// reverb convolves with a synthetic room impulse response: the direct path, then
// Gaussian noise under an exponential decay of 60 dB over rt60 seconds (Schroeder's
// statistical model), the tail at a direct-to-reverberant ratio of 0–10 dB.
func reverb(y []float64, rt60 float64, r *rand.Rand) []float64 {
	n := int(rt60 * 16000)
	h := make([]float64, n)
	h[0] = 1
	var tail float64
	for i := 40; i < n; i++ { // 2.5 ms pre-delay
		v := r.NormFloat64() * math.Exp(-6.908*float64(i)/float64(n))
		h[i] = v
		tail += v * v
	}
	drr := math.Pow(10, -(10*r.Float64())/10)
	g := math.Sqrt(drr / math.Max(tail, 1e-12))
	for i := 40; i < n; i++ {
		h[i] *= g
	}
	z := convolve(y, h)
	return z[:len(y)]
}

// convolve is linear convolution by FFT.
func convolve(a, b []float64) []float64 {
	n := 1
	for n < len(a)+len(b) {
		n <<= 1
	}
	f := fourier.NewFFT(n)
	pa, pb := make([]float64, n), make([]float64, n)
	copy(pa, a)
	copy(pb, b)
	ca, cb := f.Coefficients(nil, pa), f.Coefficients(nil, pb)
	for i := range ca {
		ca[i] *= cb[i]
	}
	out := f.Sequence(nil, ca)
	for i := range out {
		out[i] /= float64(n)
	}
	return out[:len(a)+len(b)-1]
}

// addNoise adds noise of a colour at snrDB below the active speech power. Pink noise is
// Paul Kellet's economy filter of white noise (−3 dB/octave within ±0.5 dB above 100 Hz);
// brown noise is leaky-integrated white noise (−6 dB/octave).
func addNoise(y []float64, kind string, snrDB float64, r *rand.Rand) {
	pow, _, _ := activePower(y)
	if pow <= 0 {
		return
	}
	n := make([]float64, len(y))
	var b0, b1, b2 float64
	for i := range n {
		w := r.NormFloat64()
		switch kind {
		case "pink":
			b0 = 0.99765*b0 + w*0.0990460
			b1 = 0.96300*b1 + w*0.2965164
			b2 = 0.57000*b2 + w*1.0526913
			n[i] = b0 + b1 + b2 + w*0.1848
		case "brown":
			b0 = 0.995*b0 + w
			n[i] = b0
		default:
			n[i] = w
		}
	}
	mixAt(y, n, pow, snrDB)
}

// mixAt adds noise n to y scaled to snrDB below speech power pow.
func mixAt(y, n []float64, pow, snrDB float64) {
	np := blockPow(n)
	if np <= 0 {
		return
	}
	g := math.Sqrt(pow / math.Pow(10, snrDB/10) / np)
	for i := range y {
		y[i] += g * n[i]
	}
}

// agc imitates a slow automatic gain control (as browsers and phones apply): the level
// envelope (attack 20 ms, release 500 ms) is driven towards −20 dBFS with a gain of
// −10…+20 dB that itself moves with a 300 ms time constant, so the level pumps at onsets.
func agc(y []float64) {
	const target = 0.1 // −20 dBFS rms
	att, rel := math.Exp(-1/(0.02*16000)), math.Exp(-1/(0.5*16000))
	gs := math.Exp(-1 / (0.3 * 16000))
	env, g := target*target, 1.0
	for i, v := range y {
		p := v * v
		if p > env {
			env = att*env + (1-att)*p
		} else {
			env = rel*env + (1-rel)*p
		}
		want := math.Max(math.Pow(10, -10.0/20), math.Min(math.Pow(10, 20.0/20), target/math.Sqrt(env+1e-10)))
		g = gs*g + (1-gs)*want
		y[i] = v * g
	}
}

// bandLimit applies the telephone band, 300–3400 Hz (4th-order Butterworth high-pass,
// 8th-order low-pass), keeping 16 kHz linear samples.
func bandLimit(y []float64) {
	filter(y, butterworth("hp", 4, 300, 16000))
	filter(y, butterworth("lp", 8, 3400, 16000))
}

// g711 band-limits, decimates to 8 kHz, quantises with G.711 (µ-law or A-law, via
// internal/codec) and interpolates back to 16 kHz.
func g711(y []float64, alaw bool) {
	bandLimit(y)
	for i := range y {
		if i%2 == 1 {
			y[i] = 0
			continue
		}
		s := int16(math.Max(-32768, math.Min(32767, math.Round(y[i]*32767))))
		var v int16
		if alaw {
			v = codec.ALawToLinear(codec.LinearToALaw(s))
		} else {
			v = codec.ULawToLinear(codec.LinearToULaw(s))
		}
		y[i] = 2 * float64(v) / 32768
	}
	filter(y, butterworth("lp", 8, 3600, 16000))
}
