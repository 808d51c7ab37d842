package dsp

import (
	"math"
	"testing"
)

// runVAD feeds x at 16 kHz through LevelDB + Pitch + VAD in 10 ms hops and
// returns the speech decision per hop.
func runVAD(v *VAD, x []float32) []bool {
	const hop = 160
	p := NewPitch(16000, 60, 500, 640)
	var out []bool
	for end := hop; end <= len(x); end += hop {
		lvl, _ := LevelDB(x[end-hop : end])
		_, _, voiced := p.Estimate(x[max(0, end-640):end])
		out = append(out, v.Step(lvl, lvl, voiced))
	}
	return out
}

func count(b []bool, from, to int) int {
	n := 0
	for _, v := range b[from:min(to, len(b))] {
		if v {
			n++
		}
	}
	return n
}

func TestVADSilence(t *testing.T) {
	v := NewVAD(VADConfig{HopMs: 10})
	if n := count(runVAD(v, make([]float32, 16000*3)), 0, 300); n != 0 {
		t.Errorf("digital silence: %d speech hops", n)
	}
	v = NewVAD(VADConfig{HopMs: 10})
	if n := count(runVAD(v, noise(5, 0.0005, 16000*3)), 0, 300); n != 0 {
		t.Errorf("−66 dBFS noise: %d speech hops", n)
	}
}

// Tone bursts over a quiet line: speech during each burst (after the onset),
// held for the hangover, then off.
func TestVADBursts(t *testing.T) {
	x := noise(9, 0.001, 16000*4) // −60 dBFS line noise
	burst := func(from, to int) {
		tone := glottal(16000, 160, 0.3, to-from)
		for i := range tone {
			x[from+i] += tone[i]
		}
	}
	burst(16000, 24000) // 1.0–1.5 s
	burst(40000, 41600) // 2.5–2.6 s
	v := NewVAD(VADConfig{HopMs: 10})
	s := runVAD(v, x)
	if n := count(s, 0, 100); n != 0 {
		t.Errorf("before first burst: %d speech hops", n)
	}
	if n := count(s, 103, 150); n != 47 {
		t.Errorf("first burst 1.03–1.5 s: %d/47 speech hops", n)
	}
	if n := count(s, 150, 170); n != 20 {
		t.Errorf("hangover 1.5–1.7 s: %d/20 speech hops", n)
	}
	if n := count(s, 190, 250); n != 0 {
		t.Errorf("after hangover 1.9–2.5 s: %d speech hops", n)
	}
	if n := count(s, 253, 285); n != 32 {
		t.Errorf("second burst + hangover: %d/32 speech hops", n)
	}
	if n := count(s, 300, 400); n != 0 {
		t.Errorf("tail: %d speech hops", n)
	}
	t.Logf("noise floor at end %.1f dBFS", v.NoiseFloorDB())
}

// Speech-like: 10 s of 200 ms voiced syllables with 80 ms gaps must read as one
// segment (hangover bridges the gaps; the noise floor does not absorb speech).
func TestVADSyllables(t *testing.T) {
	const syllables = 36
	x := noise(11, 0.002, 16000*12)
	for s := 0; s < syllables; s++ {
		from := 8000 + s*4480
		f0 := 140 + 15*float64(s%3)
		tone := glottal(16000, f0, 0.2, 3200)
		for i := range tone {
			env := math.Sin(math.Pi * float64(i) / float64(len(tone)))
			x[from+i] += tone[i] * float32(env)
		}
	}
	s := runVAD(NewVAD(VADConfig{HopMs: 10}), x)
	first, last := -1, -1
	for i, sp := range s {
		if sp {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 50 || first > 60 {
		t.Errorf("speech starts at hop %d, want ~50–60", first)
	}
	if n := count(s, first, last+1); n != last-first+1 {
		t.Errorf("segment %d–%d has %d gaps", first, last, last-first+1-n)
	}
	if end := 50 + ((syllables-1)*4480+3200)/160; last < end || last > end+30 {
		t.Errorf("speech ends at hop %d, want %d..%d", last, end, end+30)
	}
}

// A constant loud noise — even one the pitch tracker calls voiced (a hum) —
// must be absorbed by the noise floor.
func TestVADAdaptsToConstantNoise(t *testing.T) {
	v := NewVAD(VADConfig{HopMs: 10})
	for range 100 { // 1 s quiet line
		v.Step(-70, -70, false)
	}
	var on int
	for i := range 3000 { // 30 s of a −30 dBFS hum, voiced
		if v.Step(-30, -30, true) && i > 800 {
			on++
		}
	}
	if on != 0 {
		t.Errorf("hum still speech after 8 s (%d hops); floor %.1f", on, v.NoiseFloorDB())
	}
	// White noise turning up to −35 dBFS, unvoiced: the strong rule opens a segment
	// 30 ms in, which ends unconfirmed after ConfirmMs; the same noise never reopens it.
	v = NewVAD(VADConfig{HopMs: 10})
	var blip []int
	for i := range 1000 {
		lvl := -70.0
		if i > 100 {
			lvl = -35
		}
		if v.Step(lvl, lvl, false) {
			blip = append(blip, i)
		}
	}
	if len(blip) != 20 || blip[0] != 103 || blip[19] != 122 {
		t.Errorf("unvoiced noise was speech at hops %v, want 103–122 only", blip)
	}
	if f := v.NoiseFloorDB(); f < -38 {
		t.Errorf("floor %.1f did not rise to the noise (−35)", f)
	}
}

// Zero-filled lost packets (−100 dBFS) must not drag the floor down.
func TestVADIgnoresDigitalSilence(t *testing.T) {
	v := NewVAD(VADConfig{HopMs: 10})
	for range 800 { // the initial −65 dBFS floor has left the 5 s window
		v.Step(-50, -50, false)
	}
	for range 5 {
		v.Step(Floor, Floor, false)
	}
	if f := v.NoiseFloorDB(); f < -51 {
		t.Errorf("floor fell to %.1f after concealed silence", f)
	}
	if v.Step(-45, -45, true) || v.Step(-45, -45, true) {
		t.Error("5 dB over the floor became speech")
	}
}

func BenchmarkVADStep(b *testing.B) {
	v := NewVAD(VADConfig{HopMs: 10})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Step(-40+float64(i%7)*5, -40+float64(i%5)*5, i%3 == 0)
		i++
	}
}

func BenchmarkLevelDB(b *testing.B) {
	x := noise(1, 0.1, 160)
	b.ReportAllocs()
	for b.Loop() {
		LevelDB(x)
	}
}

// A call that opens with speech, or with digital silence then speech, must
// detect its first words (the floor starts at InitialFloorDB, not the first
// level heard).
func TestVADSpeechAtStart(t *testing.T) {
	for _, lead := range []int{0, 50} {
		v := NewVAD(VADConfig{HopMs: 10})
		for range lead {
			v.Step(Floor, Floor, false)
		}
		var on int
		for range 100 {
			if v.Step(-25, -25, true) {
				on++
			}
		}
		if on != 99 {
			t.Errorf("lead %d hops of silence: %d/99 speech hops", lead, on)
		}
	}
}

// A line noisier than InitialFloorDB is learnt in its first few hundred ms (not after
// MinWindowMs with every pause held open), and a word then opens speech at once.
func TestVADLearnsTheLineFast(t *testing.T) {
	for _, noiseDB := range []float64{-60, -50, -42} {
		v := NewVAD(VADConfig{HopMs: 10})
		for i := range 30 { // 300 ms of line noise, ±1 dB
			lvl := noiseDB + float64(i%3-1)
			if v.Step(lvl, lvl, false) {
				t.Fatalf("noise %.0f: speech at hop %d", noiseDB, i)
			}
		}
		if f := v.NoiseFloorDB(); f < noiseDB-4 || f > noiseDB {
			t.Errorf("noise %.0f: floor %.1f after 300 ms", noiseDB, f)
		}
		on := -1
		for i := range 10 { // a voiced word 20 dB over the line
			if v.Step(noiseDB+20, noiseDB+20, i >= 1) && on < 0 {
				on = i
			}
		}
		if on < 0 || on > 2 {
			t.Errorf("noise %.0f: word opened speech at hop %d", noiseDB, on)
		}
		for i := range 40 { // a 400 ms pause closes it (hangover 250 ms)
			lvl := noiseDB + float64(i%3-1)
			v.Step(lvl, lvl, false)
		}
		if v.Speech() {
			t.Errorf("noise %.0f: pause held open; floor %.1f", noiseDB, v.NoiseFloorDB())
		}
	}
}
