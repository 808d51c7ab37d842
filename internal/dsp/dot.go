package dsp

// The two inner products of the hot path: YIN's cross products (dot8) and the resampler's
// filter taps (dot). Each is defined by its summation order — lane i mod 8 (dot8) or
// i mod 4 (dot) accumulates the float32 products of its elements, the remainder goes to
// lane 0, and the lanes are added pairwise — so that the SSE2 kernels on amd64 (four
// lanes per instruction; Go does not vectorise) and the portable Go below give
// bit-identical results, and a model trained on one machine meets the same features on
// another of the same architecture.

// dot8Go is Σ a[i]·b[i] with eight partial sums (len(b) ≥ len(a)).
func dot8Go(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa, bb := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
		s4 += aa[4] * bb[4]
		s5 += aa[5] * bb[5]
		s6 += aa[6] * bb[6]
		s7 += aa[7] * bb[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return float64((s0+s1)+(s2+s3)) + float64((s4+s5)+(s6+s7))
}

// dotGo is Σ a[i]·b[i] with four partial sums (len(b) ≥ len(a)).
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		aa, bb := a[i:i+4:i+4], b[i:i+4:i+4] // one bounds check per four products
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
