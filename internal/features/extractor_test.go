package features

import (
	"math"
	"testing"

	"github.com/undertone/undertone/internal/dsp"
)

func readTest(t testing.TB, name string) []float32 {
	t.Helper()
	x, sr, err := ReadWAV("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if sr != SampleRate {
		t.Fatalf("%s: rate %d", name, sr)
	}
	return x
}

func run(e *Extractor, b *Buffer, x []float32) {
	for i := 0; i+HopSamples <= len(x); i += HopSamples {
		b.Push(e.Hop(x[i : i+HopSamples]))
	}
}

func TestPitchOfTone(t *testing.T) {
	x := readTest(t, "tone200.wav")
	e := NewExtractor()
	var got []float64
	for i := 0; i+HopSamples <= len(x); i += HopSamples {
		v := e.Hop(x[i : i+HopSamples])
		if i > PitchWindow && !math.IsNaN(v[F0Semitone]) {
			got = append(got, 27.5*math.Pow(2, v[F0Semitone]/12))
		}
	}
	if len(got) < 80 {
		t.Fatalf("voiced frames %d, want ≥ 80", len(got))
	}
	for _, f := range got {
		if math.Abs(f-200) > 1 {
			t.Fatalf("F0 %.2f Hz, want 200", f)
		}
	}
}

func TestFunctionalsSpeech(t *testing.T) {
	x := readTest(t, "speech.wav")
	e, b := NewExtractor(), NewBuffer(1000)
	run(e, b, x)
	dst := make([]float64, NumFunctionals)
	n := b.Functionals(dst, 0)
	if n < 100 {
		t.Fatalf("active frames %d", n)
	}
	names := FunctionalNames()
	if len(names) != NumFunctionals {
		t.Fatalf("names %d, functionals %d", len(names), NumFunctionals)
	}
	get := func(s string) float64 {
		for i, n := range names {
			if n == s {
				return dst[i]
			}
		}
		t.Fatalf("no functional %s", s)
		return 0
	}
	f0 := 27.5 * math.Pow(2, get("f0_st_p50")/12)
	if f0 < 70 || f0 > 200 {
		t.Errorf("median F0 %.1f Hz for a male espeak voice", f0)
	}
	if v := get("voiced_frac"); v < 0.3 || v > 0.95 {
		t.Errorf("voiced fraction %.2f", v)
	}
	if f1 := get("f1_p50"); f1 < 200 || f1 > 1000 {
		t.Errorf("median F1 %.0f", f1)
	}
	t.Logf("F0 %.1f Hz, voiced %.2f, F1 %.0f F2 %.0f, HNR %.1f, rate %.2f/s",
		f0, get("voiced_frac"), get("f1_p50"), get("f2_p50"), get("hnr_p50"), get("voiced_seg_rate"))
}

// Level must not change any functional: the model sees relative level only.
func TestLevelInvariance(t *testing.T) {
	x := readTest(t, "speech.wav")
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = v * 0.1 // −20 dB
	}
	fa, fb := make([]float64, NumFunctionals), make([]float64, NumFunctionals)
	e, b := NewExtractor(), NewBuffer(1000)
	run(e, b, x)
	b.Functionals(fa, 0)
	e, b = NewExtractor(), NewBuffer(1000)
	run(e, b, y)
	b.Functionals(fb, 0)
	names := FunctionalNames()
	for i := range fa {
		if math.IsNaN(fa[i]) && math.IsNaN(fb[i]) {
			continue
		}
		if names[i] == LevelFunctional { // the one absolute functional follows the gain
			if d := fa[i] - fb[i]; math.Abs(d-20) > 0.01 {
				t.Errorf("%s moved %.3f dB for a 20 dB gain change", names[i], d)
			}
			continue
		}
		if d := math.Abs(fa[i] - fb[i]); d > 0.01+0.02*math.Abs(fa[i]) {
			t.Errorf("%s: %.5f vs %.5f at −20 dB", names[i], fa[i], fb[i])
		}
	}
}

func TestHopAllocs(t *testing.T) {
	x := readTest(t, "speech.wav")
	e, b := NewExtractor(), NewBuffer(1000)
	i := 0
	a := testing.AllocsPerRun(200, func() {
		b.Push(e.Hop(x[i : i+HopSamples]))
		i = (i + HopSamples) % (len(x) - HopSamples)
	})
	if a != 0 {
		t.Fatalf("Hop allocates %.1f per call", a)
	}
	dst := make([]float64, NumFunctionals)
	if a := testing.AllocsPerRun(10, func() { b.Functionals(dst, 200) }); a != 0 {
		t.Fatalf("Functionals allocates %.1f per call", a)
	}
}

// BenchmarkHop is the offline path per 10 ms hop: the Extractor's own front end (windows,
// 16 → 8 kHz decimation, level, YIN pitch, spectrum) plus the descriptors.
func BenchmarkHop(b *testing.B) {
	x := readTest(b, "speech.wav")
	e, buf := NewExtractor(), NewBuffer(1000)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		buf.Push(e.Hop(x[i : i+HopSamples]))
		i = (i + HopSamples) % (len(x) - HopSamples)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "rtf")
}

// BenchmarkHopFrame is the live path per 10 ms hop: the descriptors from a hop the
// stream's front end has measured (windows and pitch), the shared spectrum included as
// the features are its first consumer, and the push into the utterance buffer.
func BenchmarkHopFrame(b *testing.B) {
	x := readTest(b, "speech.wav")
	f := dsp.NewFront()
	var frames []dsp.Frame
	for i := 0; i+HopSamples <= len(x); i += HopSamples {
		fr := *f.Step(x[i:i+HopSamples], nil)
		fr.Window = append([]float32(nil), fr.Window...)
		fr.Window8 = append([]float32(nil), fr.Window8...)
		fr.Spectrum = dsp.NewSpectrum()
		frames = append(frames, fr)
	}
	e, buf := NewExtractor(), NewBuffer(1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		fr := &frames[i]
		fr.Spectrum.Of(fr.Window)
		buf.Push(e.Frame(fr))
		i = (i + 1) % len(frames)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "rtf")
}

func BenchmarkFunctionals(b *testing.B) {
	x := readTest(b, "speech.wav")
	e, buf := NewExtractor(), NewBuffer(1000)
	run(e, buf, x)
	dst := make([]float64, NumFunctionals)
	b.ReportAllocs()
	for b.Loop() {
		buf.Functionals(dst, 0)
	}
}
