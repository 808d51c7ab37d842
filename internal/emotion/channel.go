package emotion

import (
	"math"
	"math/rand/v2"
)

// biquad is a direct-form-I second-order section (RBJ Audio EQ Cookbook coefficients).
type biquad struct{ b0, b1, b2, a1, a2, x1, x2, y1, y2 float64 }

func newBiquad(kind string, fc, q, fs float64) biquad {
	w := 2 * math.Pi * fc / fs
	cw, sw := math.Cos(w), math.Sin(w)
	al := sw / (2 * q)
	var b0, b1, b2 float64
	if kind == "lp" {
		b0, b1, b2 = (1-cw)/2, 1-cw, (1-cw)/2
	} else {
		b0, b1, b2 = (1+cw)/2, -(1 + cw), (1+cw)/2
	}
	a0 := 1 + al
	return biquad{b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: -2 * cw / a0, a2: (1 - al) / a0}
}

func (f *biquad) step(x float64) float64 {
	y := f.b0*x + f.b1*f.x1 + f.b2*f.x2 - f.a1*f.y1 - f.a2*f.y2
	f.x2, f.x1, f.y2, f.y1 = f.x1, x, f.y1, y
	return y
}

// butterworth returns the cascade of sections for an even-order Butterworth filter.
func butterworth(kind string, order int, fc, fs float64) []biquad {
	var s []biquad
	for k := 0; k < order/2; k++ {
		q := 1 / (2 * math.Cos(math.Pi*float64(2*k+1)/float64(2*order)))
		s = append(s, newBiquad(kind, fc, q, fs))
	}
	return s
}

func filter(x []float64, secs []biquad) {
	for i := range secs {
		f := &secs[i]
		for j, v := range x {
			x[j] = f.step(v)
		}
	}
}

// ChannelParams describe one telephone-channel degradation.
type ChannelParams struct {
	GainDB float64 // level change before the codec (telephone levels sit well below full scale)
	SNRDB  float64 // background noise, relative to the speech's active power
}

// RandomChannel draws augmentation parameters: gain U(−24, −3) dB, SNR U(12, 35) dB.
func RandomChannel(r *rand.Rand) ChannelParams {
	return ChannelParams{GainDB: -24 + 21*r.Float64(), SNRDB: 12 + 23*r.Float64()}
}

// EvalChannel is the fixed condition of `eval --telephone`: −12 dB, 25 dB SNR.
var EvalChannel = ChannelParams{GainDB: -12, SNRDB: 25}

// Telephone simulates a narrowband call leg on 16 kHz audio and returns 16 kHz audio again
// (as the pipeline sees a G.711 call after resampling): level change; white background
// noise at the given SNR; 300–3400 Hz band-pass (4th-order Butterworth high-pass, 8th-order
// low-pass); decimation to 8 kHz; G.711 µ-law quantisation (ITU-T G.711, µ = 255, 8 bits);
// and interpolation back to 16 kHz. r drives the noise.
func Telephone(x []float32, p ChannelParams, r *rand.Rand) []float32 {
	g := math.Pow(10, p.GainDB/20)
	y := make([]float64, len(x))
	var pow float64
	var nAct int
	for i, v := range x {
		y[i] = float64(v) * g
	}
	// Active speech power: mean power of the 10 ms blocks within 30 dB of the loudest.
	blk := make([]float64, 0, len(y)/160+1)
	mx := 0.0
	for i := 0; i+160 <= len(y); i += 160 {
		s := 0.0
		for _, v := range y[i : i+160] {
			s += v * v
		}
		s /= 160
		blk = append(blk, s)
		mx = math.Max(mx, s)
	}
	for _, s := range blk {
		if s > mx*1e-3 {
			pow += s
			nAct++
		}
	}
	if nAct > 0 {
		pow /= float64(nAct)
	}
	sigma := math.Sqrt(pow / math.Pow(10, p.SNRDB/10))
	for i := range y {
		y[i] += sigma * r.NormFloat64()
	}
	filter(y, butterworth("hp", 4, 300, 16000))
	filter(y, butterworth("lp", 8, 3400, 16000))
	n8 := len(y) / 2
	z := make([]float64, len(y))
	for i := 0; i < n8; i++ {
		z[2*i] = 2 * ulawDecode(ulawEncode(y[2*i]))
	}
	filter(z, butterworth("lp", 8, 3600, 16000))
	out := make([]float32, len(z))
	for i, v := range z {
		out[i] = float32(math.Max(-1, math.Min(1, v)))
	}
	return out
}

// ulawEncode is the G.711 µ-law encoder (ITU-T G.711; the classic Sun g711.c form on
// 16-bit linear samples, bias 0x84, clip 32635) on a ±1 sample.
func ulawEncode(x float64) byte {
	pcm := int(math.Round(math.Max(-1, math.Min(1, x)) * 32767))
	mask := byte(0xFF)
	if pcm < 0 {
		pcm, mask = -pcm, 0x7F
	}
	if pcm > 32635 {
		pcm = 32635
	}
	pcm += 0x84
	seg := 0
	for seg < 7 && pcm > 0xFF<<seg {
		seg++
	}
	return byte(seg<<4|(pcm>>(seg+3))&0x0F) ^ mask
}

// ulawDecode inverts ulawEncode to a ±1 sample.
func ulawDecode(u byte) float64 {
	u = ^u
	t := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return float64(0x84-t) / 32768
	}
	return float64(t-0x84) / 32768
}
