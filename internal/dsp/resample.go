package dsp

import (
	"errors"
	"fmt"
	"math"
)

// ErrRate is returned by NewResampler for rates it cannot convert.
var ErrRate = errors.New("dsp: unsupported sample rate")

// Filter design constants. The low-pass is placed so that its stopband starts
// exactly at the lower of the two Nyquist frequencies fn: pass band up to
// 0.85·fn (6.8 kHz when the output is 16 kHz, beyond the 300–3400 Hz
// telephone band and the useful speech band), stopband from fn, attenuation
// resampleAttenDB. Aliases of anything above fn are therefore attenuated by
// at least resampleAttenDB (measured ≥ 60 dB for 48k→16k, see tests).
const (
	resampleAttenDB   = 70.0
	resamplePassEdge  = 0.85 // × fn
	resampleBlock     = 512  // input samples processed per inner block
	resampleMaxPhases = 1024 // L after reducing L/M; bounds the table size
)

// Resampler converts a mono stream from one rate to another with a
// windowed-sinc polyphase FIR filter (Crochiere & Rabiner, "Multirate Digital
// Signal Processing", 1983, ch. 4; Kaiser window design per Kaiser 1974 /
// Oppenheim & Schafer eq. 7.62–7.63: β = 0.1102(A−8.7),
// N = (A−8)/(2.285·Δω)). The ratio out/in is reduced to L/M; output sample n
// is y[n] = Σ_k h[(nM mod L) + kL] · x[⌊nM/L⌋ − k].
//
// The filter state (the last K−1 input samples and the phase) persists
// across calls, so a stream may be fed in chunks of any size and the output
// is bit-identical to processing it in one call. The filter delays the
// signal by about K/2 input samples (≈1.5 ms for 48k→16k). Equal rates are a
// passthrough (only scaling to ±1).
type Resampler struct {
	inRate, outRate int
	l, m            int         // out/in = l/m, reduced
	k               int         // taps per phase
	phases          [][]float32 // phases[p][j] = h[p + (k-1-j)·l]·l, time-reversed for a forward dot product
	buf             []float32   // k-1 history samples followed by up to resampleBlock new ones
	next            int         // index in the current block of the input sample aligned with the next output
	phase           int         // (n·m) mod l for the next output n
}

// NewResampler returns a Resampler from inRate to outRate Hz. Any pair of
// rates between 1 kHz and 384 kHz whose reduced ratio has L ≤ 1024 works:
// 8000/16000/22050/24000/32000/44100/48000 → 16000 and the reverse.
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate < 1000 || outRate < 1000 || inRate > 384000 || outRate > 384000 {
		return nil, fmt.Errorf("dsp: resample %d → %d Hz: %w", inRate, outRate, ErrRate)
	}
	g := gcd(inRate, outRate)
	l, m := outRate/g, inRate/g
	if l > resampleMaxPhases {
		return nil, fmt.Errorf("dsp: resample %d → %d Hz needs %d phases: %w", inRate, outRate, l, ErrRate)
	}
	r := &Resampler{inRate: inRate, outRate: outRate, l: l, m: m}
	if l == 1 && m == 1 {
		return r, nil
	}
	// Design at the virtual rate l·inRate, normalised to cycles/sample.
	fs := float64(l) * float64(inRate)
	fn := float64(min(inRate, outRate)) / 2
	pass := resamplePassEdge * fn
	fc := (pass + fn) / 2 / fs           // cutoff (−6 dB) in cycles per sample
	dw := 2 * math.Pi * (fn - pass) / fs // transition width in rad/sample
	n := int(math.Ceil((resampleAttenDB-8)/(2.285*dw))) + 1
	k := (n + l - 1) / l
	n = k * l
	beta := 0.1102 * (resampleAttenDB - 8.7)
	h := make([]float64, n)
	mid := float64(n-1) / 2
	i0b := besselI0(beta)
	for i := range h {
		t := float64(i) - mid
		sinc := 2 * fc
		if t != 0 {
			sinc = math.Sin(2*math.Pi*fc*t) / (math.Pi * t)
		}
		w := besselI0(beta*math.Sqrt(1-(t/mid)*(t/mid))) / i0b
		h[i] = sinc * w * float64(l) // gain l: each phase sums to ≈ 1
	}
	r.k = k
	r.phases = make([][]float32, l)
	for p := range l {
		ph := make([]float32, k)
		for j := range k {
			ph[j] = float32(h[p+(k-1-j)*l])
		}
		r.phases[p] = ph
	}
	r.buf = make([]float32, k-1, k-1+resampleBlock)
	return r, nil
}

// InRate and OutRate are the rates the Resampler was built for.
func (r *Resampler) InRate() int  { return r.inRate }
func (r *Resampler) OutRate() int { return r.outRate }

// Taps is the filter length per output sample (0 for a passthrough).
func (r *Resampler) Taps() int { return r.k }

// Delay is the filter's group delay in input samples: (N−1)/2 taps of the linear-phase
// prototype at the virtual rate L·in (N = Taps·L), divided by L; 0 for a passthrough.
// A branch that bypasses the resampler lines up with its output when delayed by as much.
func (r *Resampler) Delay() float64 {
	if r.phases == nil {
		return 0
	}
	return float64(r.k*r.l-1) / 2 / float64(r.l)
}

// MaxOut is an upper bound on the samples produced from n input samples;
// size dst's capacity with it to keep Process allocation-free.
func (r *Resampler) MaxOut(n int) int { return n*r.l/r.m + 1 }

// Reset clears the filter history, as for a new stream.
func (r *Resampler) Reset() {
	if r.buf != nil {
		r.buf = r.buf[:r.k-1]
		clear(r.buf)
	}
	r.next, r.phase = 0, 0
}

// Process resamples src (16-bit PCM), appends the output scaled to ±1 to dst
// and returns the extended slice — append semantics: pass buf[:0] to reuse a
// buffer, and no allocation happens when cap(buf) ≥ MaxOut(len(src)).
func (r *Resampler) Process(dst []float32, src []int16) []float32 {
	if r.phases == nil {
		dst = grow(dst, len(src))
		Int16ToFloat(dst[len(dst)-len(src):], src)
		return dst
	}
	for len(src) > 0 {
		n := min(len(src), resampleBlock)
		blk := r.buf[r.k-1 : r.k-1+n]
		for i, s := range src[:n] {
			blk[i] = float32(s) * (1.0 / 32768)
		}
		dst = r.run(dst, n)
		src = src[n:]
	}
	return dst
}

// ProcessFloat is Process for float32 input; append semantics as Process.
func (r *Resampler) ProcessFloat(dst, src []float32) []float32 {
	if r.phases == nil {
		dst = grow(dst, len(src))
		copy(dst[len(dst)-len(src):], src)
		return dst
	}
	for len(src) > 0 {
		n := min(len(src), resampleBlock)
		copy(r.buf[r.k-1:r.k-1+n], src[:n])
		dst = r.run(dst, n)
		src = src[n:]
	}
	return dst
}

// run filters the n new samples placed after the history in buf.
func (r *Resampler) run(dst []float32, n int) []float32 {
	buf := r.buf[:r.k-1+n]
	k, l, m := r.k, r.l, r.m
	next, phase := r.next, r.phase
	for next < n {
		dst = append(dst, dot(r.phases[phase], buf[next:next+k]))
		phase += m
		next += phase / l
		phase %= l
	}
	r.next, r.phase = next-n, phase
	// Keep the last k-1 samples as history for the next block.
	copy(buf, buf[n:])
	return dst
}

// besselI0 is the modified Bessel function of the first kind, order 0, by
// its power series (converges quickly for the β used here).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
