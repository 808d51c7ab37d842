package codec

import "fmt"

// G.711 (ITU-T Recommendation G.711, 1988) companding, following the
// segment/mantissa construction of the public-domain Sun Microsystems
// reference g711.c. Decoding is a 256-entry table lookup; encoding is a
// segment search on the 16-bit sample (results identical to the reference).

const (
	ulawBias = 0x84  // 132: µ-law bias added before segment search
	ulawClip = 32635 // largest magnitude before the bias overflows 15 bits
)

var (
	ulawTable [256]int16 // µ-law code → linear 16-bit
	alawTable [256]int16 // A-law code → linear 16-bit
)

func init() {
	for i := range 256 {
		ulawTable[i] = ulawToLinear(byte(i))
		alawTable[i] = alawToLinear(byte(i))
	}
}

// ulawToLinear expands one µ-law code (G.711 Table 2a).
func ulawToLinear(u byte) int16 {
	u = ^u
	exp := (u >> 4) & 0x07
	t := ((int(u&0x0F) << 3) + ulawBias) << exp
	if u&0x80 != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

// alawToLinear expands one A-law code (G.711 Table 1a); even bits are
// inverted on the wire (XOR 0x55).
func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// LinearToULaw compresses one 16-bit sample to a µ-law code.
func LinearToULaw(s int16) byte {
	v := int(s)
	sign := byte(0)
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	exp := byte(7)
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(v>>(exp+3)) & 0x0F
	return ^(sign | exp<<4 | mant)
}

// LinearToALaw compresses one 16-bit sample to an A-law code.
func LinearToALaw(s int16) byte {
	v := int(s) >> 3 // A-law works on 13 bits
	mask := byte(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := byte(0)
	for end := 0x1F; seg < 8 && v > end; end = end<<1 | 1 {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := seg << 4
	if seg < 2 {
		a |= byte(v>>1) & 0x0F
	} else {
		a |= byte(v>>seg) & 0x0F
	}
	return a ^ mask
}

// ULawToLinear expands one µ-law code.
func ULawToLinear(u byte) int16 { return ulawTable[u] }

// ALawToLinear expands one A-law code.
func ALawToLinear(a byte) int16 { return alawTable[a] }

// EncodeULaw appends the µ-law codes of pcm to dst and returns the extended
// slice (pass buf[:0] to reuse a buffer; no allocation when it has capacity).
func EncodeULaw(dst []byte, pcm []int16) []byte {
	dst = grow(dst, len(pcm))
	out := dst[len(dst)-len(pcm):]
	for i, s := range pcm {
		out[i] = LinearToULaw(s)
	}
	return dst
}

// EncodeALaw appends the A-law codes of pcm to dst and returns the extended
// slice.
func EncodeALaw(dst []byte, pcm []int16) []byte {
	dst = grow(dst, len(pcm))
	out := dst[len(dst)-len(pcm):]
	for i, s := range pcm {
		out[i] = LinearToALaw(s)
	}
	return dst
}

// DecodeULaw appends the linear samples of the µ-law codes in src to dst and
// returns the extended slice.
func DecodeULaw(dst []int16, src []byte) []int16 {
	dst = grow(dst, len(src))
	out := dst[len(dst)-len(src):]
	for i, c := range src {
		out[i] = ulawTable[c]
	}
	return dst
}

// DecodeALaw appends the linear samples of the A-law codes in src to dst and
// returns the extended slice.
func DecodeALaw(dst []int16, src []byte) []int16 {
	dst = grow(dst, len(src))
	out := dst[len(dst)-len(src):]
	for i, c := range src {
		out[i] = alawTable[c]
	}
	return dst
}

// grow extends s by n elements, reallocating only when capacity is short.
func grow[T any](s []T, n int) []T {
	if need := len(s) + n; need <= cap(s) {
		return s[:need]
	}
	return append(s, make([]T, n)...)
}

// maxG711Frame bounds the frame remembered for concealment (60 ms at 8 kHz
// covers every ptime in use; longer frames keep their tail).
const maxG711Frame = 480

// g711Decoder decodes PCMU or PCMA payloads: one byte per sample, 8 kHz.
type g711Decoder struct {
	name  string
	table *[256]int16
	concealer
}

// NewPCMU returns a G.711 µ-law decoder (8 kHz, RTP payload type 0).
func NewPCMU() Decoder {
	return &g711Decoder{name: "PCMU", table: &ulawTable, concealer: newConcealer(maxG711Frame)}
}

// NewPCMA returns a G.711 A-law decoder (8 kHz, RTP payload type 8).
func NewPCMA() Decoder {
	return &g711Decoder{name: "PCMA", table: &alawTable, concealer: newConcealer(maxG711Frame)}
}

func (d *g711Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(pcm) < len(payload) {
		return 0, fmt.Errorf("codec: %s: %d-byte payload into %d samples: %w", d.name, len(payload), len(pcm), ErrShortBuffer)
	}
	out := pcm[:len(payload)]
	for i, c := range payload {
		out[i] = d.table[c]
	}
	if len(out) > 0 {
		d.remember(out)
	}
	return len(out), nil
}

func (d *g711Decoder) Conceal(pcm []int16, samples int) int { return d.conceal(pcm, samples) }
func (d *g711Decoder) SampleRate() int                      { return 8000 }
func (d *g711Decoder) Name() string                         { return d.name }
