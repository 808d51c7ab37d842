package dsp

import (
	"math"
	"testing"
)

// The full estimate: T0 in samples, a clean periodic window has ρ ≈ 1 (HNR high), noise
// added lowers it, white noise has no dip.
func TestPitchAnalyze(t *testing.T) {
	p := NewPitch(8000, PitchMinHz, PitchMaxHz, FrontWindow8)
	clean := p.Analyze(glottal(8000, 160, 0.5, FrontWindow8))
	if !clean.Voiced || math.Abs(clean.T0-50) > 0.25 || math.Abs(clean.Hz-160) > 1 || clean.Rho < 0.98 || clean.Edge {
		t.Errorf("glottal 160 Hz: %+v", clean)
	}
	if math.Abs(clean.Conf-(1-clean.Dip)) > 1e-9 {
		t.Errorf("conf %v and dip %v disagree", clean.Conf, clean.Dip)
	}
	noisy := p.Analyze(add(glottal(8000, 160, 0.5, FrontWindow8), noise(5, 0.1, FrontWindow8)))
	if !noisy.Voiced || noisy.Rho >= clean.Rho || noisy.Rho < 0.5 {
		t.Errorf("glottal 160 Hz + noise: ρ %.3f (clean %.3f)", noisy.Rho, clean.Rho)
	}
	if w := p.Analyze(noise(6, 0.3, FrontWindow8)); w.Voiced || w.Dip < 0.35 {
		t.Errorf("white noise: %+v", w)
	}
	if z := p.Analyze(make([]float32, FrontWindow8)); z != (PitchEstimate{}) {
		t.Errorf("silence: %+v", z)
	}
}

// The window level follows the window whatever the hops: silence, whole hops, a hop of
// another length (the window is then measured sample by sample until it is made of whole
// hops again), Push and Step mixed.
func TestFrontWindowLevel(t *testing.T) {
	x := glottal(FrontRate, 180, 0.4, 6000)
	f := NewFront()
	if fr := f.Step(make([]float32, FrontHop), nil); fr.LevelDB != Floor || fr.HopDB != Floor || fr.PeakDB != Floor {
		t.Fatalf("silence: %v %v %v dB", fr.LevelDB, fr.HopDB, fr.PeakDB)
	}
	sizes := []int{FrontHop, FrontHop, 100, FrontHop, FrontHop, FrontHop, FrontHop, FrontHop, 700, FrontHop}
	i := 0
	for n := 0; i < len(x)-FrontWindow; n++ {
		size := sizes[n%len(sizes)]
		hop := x[i : i+size]
		i += size
		if n%3 == 1 {
			f.Push(hop, nil)
			continue
		}
		fr := f.Step(hop, nil)
		lv, _ := LevelDB(fr.Window)
		hdb, pdb := LevelDB(hop)
		if math.Abs(fr.LevelDB-lv) > 1e-9 || fr.HopDB != hdb || fr.PeakDB != pdb {
			t.Fatalf("hop %d (%d samples): level %v, %v, %v dB; want %v, %v, %v", n, size, fr.LevelDB, fr.HopDB, fr.PeakDB, lv, hdb, pdb)
		}
	}
}

// A Front measures what the separate pieces measure: the windows hold the last 40 ms at
// 16 and 8 kHz, level and pitch are those of the windows, the spectrum is that of the
// newest 25 ms (checked against the transform of a hand-windowed frame).
func TestFrontStep(t *testing.T) {
	x := glottal(FrontRate, 210, 0.3, 8000)
	f := NewFront()
	dec, _ := NewResampler(FrontRate, FrontRate/2)
	var x8 []float32
	pitch := NewPitch(FrontRate/2, PitchMinHz, PitchMaxHz, FrontWindow8)
	pitch.SetHop(FrontHop / 2)
	var fr *Frame
	for i := 0; i+FrontHop <= len(x); i += FrontHop {
		x8 = dec.ProcessFloat(x8, x[i:i+FrontHop])
		fr = f.Step(x[i:i+FrontHop], nil)
	}
	end := len(x) / FrontHop * FrontHop
	for i, v := range fr.Window {
		if v != x[end-FrontWindow+i] {
			t.Fatalf("window[%d] = %v, want %v", i, v, x[end-FrontWindow+i])
		}
	}
	for i, v := range fr.Window8 {
		if v != x8[len(x8)-FrontWindow8+i] {
			t.Fatalf("window8[%d] = %v, want %v", i, v, x8[len(x8)-FrontWindow8+i])
		}
	}
	if want := pitch.Analyze(x8); fr.Pitch != want || !fr.Pitch.Voiced || math.Abs(fr.Pitch.Hz-210) > 1.5 {
		t.Errorf("pitch %+v, want %+v at 210 Hz", fr.Pitch, want)
	}
	// The window's level is summed from its hops' sums of squares: the same sum in
	// another order, equal to the last bits.
	if lv, _ := LevelDB(fr.Window); math.Abs(fr.LevelDB-lv) > 1e-9 {
		t.Errorf("level %v, want %v", fr.LevelDB, lv)
	}
	frame := fr.Window[FrontWindow-SpectrumFrame:]
	var mean float64
	for _, v := range frame {
		mean += float64(v)
	}
	mean /= SpectrumFrame
	w := make([]float32, SpectrumFrame)
	for i, v := range frame {
		w[i] = (v - float32(mean)) * hamming400[i]
	}
	want := dft(w, SpectrumSize)
	pow := fr.Spectrum.Power()
	peak := 0
	for k, c := range want {
		a := real(c)*real(c) + imag(c)*imag(c)
		if math.Abs(float64(pow[k])-a) > 1e-4*(1+a) {
			t.Fatalf("power[%d] = %v, want %v", k, pow[k], a)
		}
		if pow[k] > pow[peak] {
			peak = k
		}
	}
	if hz := float64(peak) * SpectrumBinHz; math.Abs(hz-210) > SpectrumBinHz {
		t.Errorf("spectral peak at %.0f Hz", hz)
	}
	// Below the pitch floor nothing is tracked.
	for range 8 {
		fr = f.Step(make([]float32, FrontHop), nil)
	}
	if fr.Pitch != (PitchEstimate{}) || fr.LevelDB > PitchFloorDB {
		t.Errorf("silence: level %.1f pitch %+v", fr.LevelDB, fr.Pitch)
	}
}

// On a stream the pitch tracker reuses the cross products of the overlap; the estimate is
// exactly that of the window analysed on its own, whatever came before (a skipped hop, a
// quiet one, a slide that is not one hop), and within rounding of the unchunked sum.
func TestPitchAnalyzeNextReuses(t *testing.T) {
	x := add(glottal(8000, 173, 0.4, 8000), noise(9, 0.05, 8000))
	stream := NewPitch(8000, PitchMinHz, PitchMaxHz, FrontWindow8)
	stream.SetHop(80)
	alone := NewPitch(8000, PitchMinHz, PitchMaxHz, FrontWindow8)
	alone.SetHop(80)
	plain := NewPitch(8000, PitchMinHz, PitchMaxHz, FrontWindow8)
	for end, n, step := FrontWindow8, 0, 80; end <= len(x); n++ {
		win := x[end-FrontWindow8 : end]
		slide := step
		switch n % 7 {
		case 3:
			slide = 0 // the caller lost track
		case 5:
			stream.Analyze(x[:FrontWindow8]) // another window in between
		}
		got, want := stream.AnalyzeNext(win, slide), alone.Analyze(win)
		if got != want {
			t.Fatalf("window ending at %d: %+v, alone %+v", end, got, want)
		}
		if p := plain.Analyze(win); math.Abs(p.T0-got.T0) > 1e-4 || math.Abs(p.Rho-got.Rho) > 1e-5 || p.Voiced != got.Voiced {
			t.Fatalf("window ending at %d: chunked %+v, unchunked %+v", end, got, p)
		}
		step = 80
		if n%11 == 10 {
			step = 120 // a slide that is not one hop
		}
		end += step
	}
}

// An 8 kHz source brings its own samples for the 8 kHz window.
func TestFrontStep8k(t *testing.T) {
	f := NewFront()
	x := sine(FrontRate, 300, 0.5, FrontHop)
	x8 := sine(FrontRate/2, 300, 0.5, FrontHop/2)
	fr := f.Step(x, x8)
	for i, v := range fr.Window8[FrontWindow8-FrontHop/2:] {
		if v != x8[i] {
			t.Fatalf("window8 does not end with the 8 kHz hop")
		}
	}
}

// The spectrum is computed once per hop, by the first consumer, and Step does not allocate.
func TestFrontLazySpectrumAllocs(t *testing.T) {
	f := NewFront()
	x := glottal(FrontRate, 150, 0.3, 4000)
	i := 0
	n := testing.AllocsPerRun(100, func() {
		fr := f.Step(x[i:i+FrontHop], nil)
		a := fr.Spectrum.Power()
		b := fr.Spectrum.Power()
		if &a[0] != &b[0] || !fr.Spectrum.ok {
			t.Fatal("spectrum recomputed")
		}
		i = (i + FrontHop) % (len(x) - FrontHop)
	})
	if n != 0 {
		t.Fatalf("Step allocates %.1f per hop", n)
	}
	f.Step(x[:FrontHop], nil)
	if f.spec.ok {
		t.Fatal("spectrum of the previous hop still marked current")
	}
}

// The stream's per-hop cost without consumers: windows, decimation, level and pitch.
func BenchmarkFrontStep(b *testing.B) {
	f := NewFront()
	x := glottal(FrontRate, 150, 0.3, 16000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Step(x[i:i+FrontHop], nil)
		i = (i + FrontHop) % (len(x) - FrontHop)
	}
}

// The same plus the shared spectrum (what a hop costs once the features ask for it).
func BenchmarkFrontStepSpectrum(b *testing.B) {
	f := NewFront()
	x := glottal(FrontRate, 150, 0.3, 16000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Step(x[i:i+FrontHop], nil).Spectrum.Power()
		i = (i + FrontHop) % (len(x) - FrontHop)
	}
}
