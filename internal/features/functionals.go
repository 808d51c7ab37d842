package features

import (
	"math"
	"slices"
)

// Functionals per descriptor, in order. Values are NaN when fewer than two frames define
// the descriptor; a model imputes them with its training mean.
var funcNames = []string{"mean", "std", "p10", "p50", "p90", "slope", "dmean"}

const numFunc = 7

// Rhythm functionals appended after the per-descriptor ones.
var rhythmNames = []string{"voiced_frac", "voiced_seg_rate", "voiced_seg_len", "unvoiced_seg_len", "loud_peak_rate", LevelFunctional}

// LevelFunctional names the one absolute-level functional: the median energy of the active
// frames in dBFS. It depends on the channel (AGC, network, recorder gain), so a model must
// use it only relative to the same caller's earlier speech, never as it is.
const LevelFunctional = "level_db"

// NumFunctionals is the length of the vector written by Buffer.Functionals.
var NumFunctionals = NumLLD*numFunc + len(rhythmNames)

// FunctionalNames names each functional, "<lld>_<functional>" then the rhythm ones.
func FunctionalNames() []string {
	var n []string
	for _, l := range LLDNames {
		for _, f := range funcNames {
			n = append(n, l+"_"+f)
		}
	}
	return append(n, rhythmNames...)
}

// Buffer keeps the LLD vectors of the most recent frames (a ring of fixed capacity) and
// computes functionals over any trailing span of them without allocating.
// The frames are stored as half-precision floats (see toHalf): 62 bytes a frame, about
// 63 KB for 10 s, plus 9 bytes a frame of scratch for the functionals.
type Buffer struct {
	data   []uint16 // capacity * NumLLD, binary16
	cap    int
	n      int // frames held (≤ cap)
	head   int // index of the next write
	col    []float32
	idx    []float32
	act    []bool
	smooth []float32
}

// NewBuffer holds up to capFrames frames (e.g. 1000 for 10 s).
func NewBuffer(capFrames int) *Buffer {
	return &Buffer{
		data:   make([]uint16, capFrames*NumLLD),
		cap:    capFrames,
		col:    make([]float32, capFrames),
		idx:    make([]float32, capFrames),
		act:    make([]bool, capFrames),
		smooth: make([]float32, capFrames),
	}
}

// Len is the number of frames held.
func (b *Buffer) Len() int { return b.n }

// Reset drops all frames.
func (b *Buffer) Reset() { b.n, b.head = 0, 0 }

// Push appends one LLD vector; the oldest frame is dropped when full.
func (b *Buffer) Push(lld []float64) {
	row := b.data[b.head*NumLLD : (b.head+1)*NumLLD]
	for i, v := range lld[:NumLLD] {
		row[i] = toHalf(float32(v))
	}
	b.head = (b.head + 1) % b.cap
	if b.n < b.cap {
		b.n++
	}
}

// at returns descriptor d of the i-th of the last `last` frames (0 = oldest of them).
func (b *Buffer) at(last, i, d int) float64 {
	j := (b.head - last + i + 2*b.cap) % b.cap
	return float64(fromHalf(b.data[j*NumLLD+d]))
}

// Functionals writes NumFunctionals values describing the last `last` frames (all held
// frames if last ≤ 0 or > Len) into dst, and returns the number of active frames used.
//
// Active frames are those whose energy is above max(p95 − 35 dB, p10 + 6 dB) of the span —
// a level-independent gate that drops pauses and the VAD hangover. Loudness functionals
// are taken relative to the median active level, so absolute dBFS never reaches a model.
// Slopes are per second (least squares over the frame times); dmean is the mean absolute
// change between consecutive active frames that both define the descriptor (a delta
// functional, as the Δ-coefficients of openSMILE's sets).
func (b *Buffer) Functionals(dst []float64, last int) int {
	if last <= 0 || last > b.n {
		last = b.n
	}
	dst = dst[:NumFunctionals]
	nan := math.NaN()
	for i := range dst {
		dst[i] = nan
	}
	if last < 2 {
		return 0
	}
	// Activity gate from the loudness distribution.
	col := b.col[:0]
	for i := 0; i < last; i++ {
		col = append(col, float32(b.at(last, i, Loudness)))
	}
	slices.Sort(col)
	p95, p10 := pct(col, 0.95), pct(col, 0.10)
	thr := math.Max(p95-35, p10+6)
	if p95-p10 < 6 {
		thr = p10 - 1 // flat level: everything is active
	}
	act := b.act[:last]
	nAct := 0
	for i := range act {
		act[i] = b.at(last, i, Loudness) >= thr
		if act[i] {
			nAct++
		}
	}
	if nAct < 2 {
		return nAct
	}
	var med float64
	for d := 0; d < NumLLD; d++ {
		col, idx := b.col[:0], b.idx[:0]
		var dsum float64
		var dn int
		prevI, prevV := -2, 0.0
		for i := 0; i < last; i++ {
			if !act[i] {
				continue
			}
			v := b.at(last, i, d)
			if math.IsNaN(v) {
				continue
			}
			if prevI == i-1 {
				dsum += math.Abs(v - prevV)
				dn++
			}
			prevI, prevV = i, v
			col = append(col, float32(v))
			idx = append(idx, float32(i)/100)
		}
		if len(col) < 2 {
			continue
		}
		if d == Loudness {
			tmp := b.smooth[:len(col)]
			copy(tmp, col)
			slices.Sort(tmp)
			med = pct(tmp, 0.5)
			for i := range col {
				col[i] -= float32(med)
			}
		}
		o := dst[d*numFunc : (d+1)*numFunc]
		var s, ss, st, stt, sty float64
		for i, c := range col {
			v, t := float64(c), float64(idx[i])
			s += v
			st += t
			stt += t * t
			sty += t * v
		}
		n := float64(len(col))
		m := s / n
		for _, c := range col {
			v := float64(c)
			ss += (v - m) * (v - m)
		}
		o[0] = m
		o[1] = math.Sqrt(ss / n)
		o[5], o[6] = 0, 0
		if dn > 0 {
			o[6] = dsum / float64(dn)
		}
		if den := n*stt - st*st; den > 0 {
			o[5] = (n*sty - st*s) / den
		}
		slices.Sort(col)
		o[2], o[3], o[4] = pct(col, 0.1), pct(col, 0.5), pct(col, 0.9)
	}
	b.rhythm(dst[NumLLD*numFunc:], last, act, nAct, med)
	return nAct
}

// rhythm writes the voicing and loudness-peak rhythm functionals over the active span
// (first to last active frame).
func (b *Buffer) rhythm(o []float64, last int, act []bool, nAct int, med float64) {
	first, end := -1, -1
	for i, a := range act {
		if a {
			if first < 0 {
				first = i
			}
			end = i
		}
	}
	span := float64(end-first+1) / 100
	var nv, segs, segLen, gaps, gapLen int
	inV, runV, runU := false, 0, 0
	for i := first; i <= end; i++ {
		v := act[i] && !math.IsNaN(b.at(last, i, F0Semitone))
		if v {
			nv++
			runV++
			if !inV {
				segs++
				if runU > 0 && segs > 1 {
					gaps++
					gapLen += runU
				}
				runU = 0
			}
		} else {
			if inV {
				segLen += runV
				runV = 0
			}
			runU++
		}
		inV = v
	}
	if inV {
		segLen += runV
	}
	o[0] = float64(nv) / float64(nAct)
	o[1] = float64(segs) / span
	o[2], o[3] = 0, 0
	if segs > 0 {
		o[2] = float64(segLen) / float64(segs) / 100
	}
	if gaps > 0 {
		o[3] = float64(gapLen) / float64(gaps) / 100
	}
	// Loudness peaks (syllable-rate proxy): local maxima of the 3-frame smoothed level that
	// stand above the median active level and are at least 100 ms apart.
	sm := b.smooth[:last]
	for i := 0; i < last; i++ {
		s, n := 0.0, 0.0
		for j := i - 2; j <= i+2; j++ {
			if j >= 0 && j < last {
				s += b.at(last, j, Loudness)
				n++
			}
		}
		sm[i] = float32(s / n)
	}
	peaks, lastPeak := 0, -100
	for i := first + 1; i < end; i++ {
		if sm[i] > sm[i-1] && sm[i] >= sm[i+1] && float64(sm[i]) > med && i-lastPeak >= 10 {
			peaks++
			lastPeak = i
		}
	}
	o[4] = float64(peaks) / span
	o[5] = med
}

// pct is the linearly interpolated quantile q of sorted values.
func pct(sorted []float32, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	p := q * float64(len(sorted)-1)
	i := int(p)
	if i >= len(sorted)-1 {
		return float64(sorted[len(sorted)-1])
	}
	f := p - float64(i)
	return float64(sorted[i])*(1-f) + float64(sorted[i+1])*f
}
