package features

// Indices of the low-level descriptors in the vector returned by Extractor.Hop.
// Pitch-related descriptors (F0, HNR, jitter, shimmer, formants) are NaN in frames judged
// unvoiced; functionals skip NaN values.
const (
	Loudness     = iota // frame energy in dB (absolute; functionals make it relative)
	F0Semitone          // F0 in semitones above 27.5 Hz, voiced frames only
	Voicing             // 1 - min CMNDF of YIN, 0..1
	HNR                 // harmonics-to-noise ratio in dB from the normalised autocorrelation at T0
	Jitter              // |T0(t) - T0(t-1)| / T0(t) between consecutive voiced frames
	Shimmer             // |dB(t) - dB(t-1)| between consecutive voiced frames
	F1                  // first formant, Hz (LPC envelope peak), voiced frames only
	F2                  // second formant
	F3                  // third formant
	AlphaRatio          // dB(E[50,1000) / E[1000,5000))
	Hammarberg          // max dB in [0,2000) minus max dB in [2000,5000)
	Slope0500           // regression slope of dB spectrum over 0–500 Hz, dB/kHz
	Slope5001500        // regression slope of dB spectrum over 500–1500 Hz, dB/kHz
	Centroid            // spectral centroid, kHz
	Rolloff             // 85 % spectral roll-off, kHz
	Flux                // squared difference of consecutive sum-normalised magnitude spectra
	Entropy             // spectral entropy of the normalised power spectrum, bits / log2(bins)
	HFRatio             // dB(E[4000,8000) / E[0,4000)); collapses on telephone audio
	ZCR                 // zero-crossing rate per sample
	MFCC1               // MFCC 1..NumMFCC follow
)

// NumMFCC is the number of cepstral coefficients (1..NumMFCC; c0 is left out as it is level).
const NumMFCC = 12

// NumLLD is the length of the LLD vector.
const NumLLD = MFCC1 + NumMFCC

// LLDNames names each descriptor, in index order.
var LLDNames = func() []string {
	n := []string{"loudness", "f0_st", "voicing", "hnr", "jitter", "shimmer", "f1", "f2", "f3",
		"alpha_ratio", "hammarberg", "slope0_500", "slope500_1500", "centroid", "rolloff85",
		"flux", "entropy", "hf_ratio", "zcr"}
	for i := 1; i <= NumMFCC; i++ {
		n = append(n, "mfcc"+itoa(i))
	}
	return n
}()

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// voicedOnly reports whether descriptor i is defined in voiced frames only.
func voicedOnly(i int) bool {
	switch i {
	case F0Semitone, HNR, Jitter, Shimmer, F1, F2, F3:
		return true
	}
	return false
}
