package loadgen

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/undertone/undertone/internal/dsp"
	"github.com/undertone/undertone/internal/whipclient"
)

// Dialogue lays speech clips (mono, at rate Hz) out as a two-party conversation of
// seconds length: customer and agent take turns, one clip a turn, cycling through clips,
// with a pause of 0.3–1.2 s between turns (drawn from a fixed seed, so every run plays
// the same call), over line noise at about −60 dBFS on both channels — a real line is
// never digitally silent, and the VAD ignores digital silence when it tracks the floor.
// The first turn (the customer's) starts after 0.5 s.
func Dialogue(clips [][]int16, rate int, seconds float64) [][]int16 {
	frame := rate / 50
	n := int(seconds*float64(rate)) / frame * frame
	out := [][]int16{make([]int16, n), make([]int16, n)}
	seed := uint32(2024)
	rnd := func() float64 { // uniform in [0, 1), deterministic
		seed = seed*1664525 + 1013904223
		return float64(seed>>8) / (1 << 24)
	}
	for _, ch := range out {
		for i := range ch {
			ch[i] = int16(57 * (2*rnd() - 1)) // uniform ±57 ≈ −60 dBFS rms
		}
	}
	if len(clips) == 0 {
		return out
	}
	at := rate / 2
	for turn := 0; at < n; turn++ {
		clip := clips[turn%len(clips)]
		ch := out[turn%2]
		for i, v := range clip {
			if at+i >= n {
				break
			}
			ch[at+i] = int16(max(-32768, min(32767, int(ch[at+i])+int(v))))
		}
		at += len(clip) + int((0.3+0.9*rnd())*float64(rate))
	}
	return out
}

// LoadClips reads up to n WAV files from dir (sorted by name, spread evenly over the
// listing so a corpus folder yields several speakers and emotions), as mono at rate Hz,
// each trimmed of leading and trailing quiet (20 ms frames below −45 dBFS, keeping
// 100 ms on each side) so that turns follow each other as in a call.
func LoadClips(dir string, n, rate int) ([][]int16, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".wav") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("loadgen: no WAV files in %s", dir)
	}
	n = min(max(n, 1), len(names))
	clips := make([][]int16, 0, n)
	for i := range n {
		chans, err := whipclient.LoadWAVAt(filepath.Join(dir, names[i*len(names)/n]), rate)
		if err != nil {
			return nil, err
		}
		if c := trimQuiet(chans[0], rate); len(c) > 0 {
			clips = append(clips, c)
		}
	}
	return clips, nil
}

// trimQuiet cuts leading and trailing 20 ms frames below −45 dBFS, keeping 100 ms of
// them on each side.
func trimQuiet(x []int16, rate int) []int16 {
	frame := rate / 50
	loud := func(f int) bool {
		var e float64
		for _, v := range x[f*frame : (f+1)*frame] {
			e += float64(v) * float64(v)
		}
		return 10*math.Log10(e/float64(frame)+1e-9)-90.3 > -45
	}
	frames := len(x) / frame
	first, last := -1, -1
	for f := range frames {
		if loud(f) {
			if first < 0 {
				first = f
			}
			last = f
		}
	}
	if first < 0 {
		return nil
	}
	first, last = max(first-5, 0), min(last+5, frames-1)
	return x[first*frame : (last+1)*frame]
}

// Resample converts each channel from one rate to another (16 → 8 kHz for PCMU) with
// the project's resampler; the output keeps the input's duration (whole 20 ms frames in,
// whole frames out).
func Resample(chans [][]int16, from, to int) ([][]int16, error) {
	out := make([][]int16, len(chans))
	for c, ch := range chans {
		rs, err := dsp.NewResampler(from, to)
		if err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		n := len(ch) * to / from
		fl := rs.Process(make([]float32, 0, rs.MaxOut(len(ch))), ch)
		o := make([]int16, n)
		for i := range o {
			if i < len(fl) {
				o[i] = int16(max(-32768, min(32767, fl[i]*32768)))
			}
		}
		out[c] = o
	}
	return out, nil
}
