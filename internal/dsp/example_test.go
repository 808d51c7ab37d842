package dsp_test

import (
	"fmt"
	"math"

	"github.com/undertone/undertone/internal/dsp"
)

// The per-party hot path: decoded PCM at the codec rate → 16 kHz → 10 ms
// hops → level, pitch over the last 40 ms, VAD. Everything is set up once.
func Example() {
	rs, _ := dsp.NewResampler(48000, 16000)
	framer := dsp.NewFramer(160)
	win := dsp.NewWindow(640)
	pitch := dsp.NewPitch(16000, 60, 500, 640)
	vad := dsp.NewVAD(dsp.VADConfig{HopMs: 10})
	buf := make([]float32, 0, rs.MaxOut(960))

	pcm := make([]int16, 960) // one 20 ms Opus packet at 48 kHz
	var speechHops, n int
	for pkt := range 50 { // 1 s: 200 ms silence, then a 200 Hz tone
		for i := range pcm {
			if pkt >= 10 {
				pcm[i] = int16(8000 * math.Sin(2*math.Pi*200*float64(n)/48000))
			}
			n++
		}
		buf = rs.Process(buf[:0], pcm)
		framer.Append(buf)
		for hop, ok := framer.Next(); ok; hop, ok = framer.Next() {
			win.Push(hop)
			level, _ := dsp.LevelDB(hop)
			hz, _, voiced := pitch.Estimate(win.Samples())
			if vad.Step(level, level, voiced) {
				speechHops++
				if speechHops == 10 {
					fmt.Printf("speech at %.0f dBFS, %.0f Hz\n", level, hz)
				}
			}
		}
	}
	fmt.Println("speech hops:", speechHops)
	// Output:
	// speech at -15 dBFS, 200 Hz
	// speech hops: 77
}
