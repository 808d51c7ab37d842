package features

import "math"

// The LLD ring stores IEEE 754 half-precision floats (binary16: 11 significant bits,
// range ±65504, NaN kept): half the memory of float32 for a relative rounding error of at
// most 2⁻¹¹ ≈ 0.05 % — 0.02 dB on a level of −40 dB, 1 Hz on a formant at 2 kHz, far
// below the frame-to-frame spread of every descriptor. Training reads the same ring, so a
// model sees the rounding it meets live.

// toHalf rounds f to the nearest binary16 (ties to even); beyond the range it gives ±Inf.
func toHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	if b&0x7fffffff > 0x7f800000 {
		return sign | 0x7e00 // NaN
	}
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case exp >= 31:
		return sign | 0x7c00
	case exp <= 0: // subnormal or zero
		if exp < -10 {
			return sign
		}
		full := mant | 0x800000
		shift := uint32(14 - exp)
		h := full >> shift
		rem, mid := full&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > mid || (rem == mid && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	if rem := mant & 0x1fff; rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is the correct rounding (up to Inf at the top)
	}
	return sign | uint16(h)
}

// fromHalf widens a binary16 to float32 exactly.
func fromHalf(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}
