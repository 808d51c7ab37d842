package dsp

import "math"

// Floor is the lowest level LevelDB reports, in dBFS (digital silence).
const Floor = -100.0

// Int16ToFloat writes src scaled to ±1 (x/32768) into dst, like copy: it
// converts min(len(dst), len(src)) samples and returns that count.
func Int16ToFloat(dst []float32, src []int16) int {
	n := min(len(dst), len(src))
	for i, s := range src[:n] {
		dst[i] = float32(s) * (1.0 / 32768)
	}
	return n
}

// FloatToInt16 writes src (±1 full scale) into dst as 16-bit samples,
// rounding and saturating, like copy: min(len(dst), len(src)) samples, count
// returned.
func FloatToInt16(dst []int16, src []float32) int {
	n := min(len(dst), len(src))
	for i, x := range src[:n] {
		v := math.Round(float64(x) * 32768)
		switch {
		case v > math.MaxInt16:
			v = math.MaxInt16
		case v < math.MinInt16:
			v = math.MinInt16
		}
		dst[i] = int16(v)
	}
	return n
}

// LevelDB returns the RMS level and the peak level of x in dBFS
// (20·log10 of sqrt(Σx²/N) and of max|x|, full scale = 1.0), each floored at
// Floor (-100). An empty x is at the floor.
func LevelDB(x []float32) (rmsDB, peakDB float64) {
	if len(x) == 0 {
		return Floor, Floor
	}
	sum, peak := sumSqPeak(x)
	return toDB(math.Sqrt(sum / float64(len(x)))), toDB(float64(peak))
}

// sumSqPeak returns Σ x[i]² (in float64, in order) and max |x[i]|.
func sumSqPeak(x []float32) (sum float64, peak float32) {
	for _, v := range x {
		sum += float64(v) * float64(v)
		if v < 0 {
			v = -v
		}
		if v > peak {
			peak = v
		}
	}
	return sum, peak
}

func toDB(a float64) float64 {
	if a <= 0 {
		return Floor
	}
	return max(20*math.Log10(a), Floor)
}

// grow extends s by n elements, reallocating only when capacity is short.
func grow[T any](s []T, n int) []T {
	if need := len(s) + n; need <= cap(s) {
		return s[:need]
	}
	return append(s, make([]T, n)...)
}
