// Package features computes eGeMAPS-style acoustic descriptors for the emotion stage.
//
// Stage: analysis, on a party's hot path. An Extractor is fed one 10 ms hop (160 samples at
// 16 kHz) at a time and returns one vector of low-level descriptors (LLDs) for the 25 ms
// frame ending at that hop (pitch uses the 40 ms window ending there). A Buffer keeps the
// LLD vectors of the current utterance and turns any trailing span of them into a fixed
// vector of functionals (means, deviations, percentiles, slopes, rhythm).
//
// State: an Extractor and a Buffer belong to one party stream and are used from that
// stream's goroutine only. Everything is allocated in the constructors (FFT plans,
// windows, filter banks, scratch); Hop and Functionals do not allocate.
//
// The descriptors follow Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set
// (GeMAPS) for Voice Research and Affective Computing", IEEE TAC 7(2), 2016, with the
// simplifications noted on each one. Level is never used in absolute terms: loudness
// functionals are taken relative to the utterance's median, because dBFS is not
// comparable across channels (AGC, telephone networks, peak-normalised corpora).
package features
