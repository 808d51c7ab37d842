package emotion

// frontEnd is the telephone-band front end of a model with Band "phone": a 300–3400 Hz
// band-pass (4th-order Butterworth high-pass and 8th-order low-pass, the bandLimit of the
// augmentation) run per hop with state carried across hops, before feature extraction.
// With it, wideband (WebRTC, studio) and narrowband (G.711, AMR) audio reach the features
// in the same band, so no descriptor can lean on energy above 3.4 kHz that a telephone
// call never carries. Six biquads per sample: about 2 µs per 10 ms hop; no allocation.
type frontEnd struct {
	secs []biquad
}

func newFrontEnd() *frontEnd {
	return &frontEnd{secs: append(butterworth("hp", 4, 300, 16000), butterworth("lp", 8, 3400, 16000)...)}
}

// process writes the filtered hop into dst (len(dst) ≥ len(src)).
func (f *frontEnd) process(dst, src []float32) {
	for i, v := range src {
		x := float64(v)
		for k := range f.secs {
			x = f.secs[k].step(x)
		}
		dst[i] = float32(x)
	}
}

// reset clears the filter state (a new stream).
func (f *frontEnd) reset() {
	for k := range f.secs {
		s := &f.secs[k]
		s.x1, s.x2, s.y1, s.y2 = 0, 0, 0, 0
	}
}
