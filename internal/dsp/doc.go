// Package dsp is the signal-processing stage of the per-party stream:
//
//	decode ──► dsp (resample to 16 kHz, level, pitch, VAD) ──► analysis
//
// Everything here is pure and deterministic: no goroutines, no clocks, no
// globals. Objects are set up once per stream (filter tables, lag buffers)
// and their per-frame methods do not allocate; output goes into a
// caller-supplied destination, passed first. A value is owned by the party
// stream goroutine that created it and is not safe for concurrent use.
//
// Contents: Resampler (windowed-sinc polyphase, Kaiser window), LevelDB (RMS
// and peak in dBFS), Pitch (YIN, de Cheveigné & Kawahara 2002), RealFFT (a
// float32 real FFT whose tables every stream shares), Front (a stream's
// windows and its one measurement of each hop: level, pitch, spectrum on
// demand) and VAD (energy over an adaptive noise floor, gated by voicing, with
// onset and hangover), plus int16↔float32 conversion.
package dsp
