package emotion

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/dsp"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/features"
)

// measured is one hop as a party stream hands it to its analyzers: the stream's front end
// has measured it (windows, level, pitch) and offers its spectrum.
type measured struct {
	t        time.Duration
	samples  []float32
	win, w8  []float32
	level    float64
	pitch    dsp.PitchEstimate
	speech   bool
	spectrum *dsp.Spectrum
}

// streamHops measures x hop by hop with a dsp.Front as call.Stream does, and keeps a copy
// of each hop's windows; speech is the energy VAD of feed.
func streamHops(x []float32) []measured {
	f := dsp.NewFront()
	var out []measured
	hang := 0
	for i := 0; i+call.HopSamples <= len(x); i += call.HopSamples {
		fr := f.Step(x[i:i+call.HopSamples], nil)
		if fr.HopDB > -45 {
			hang = 30
		} else if hang > 0 {
			hang--
		}
		out = append(out, measured{
			t:       time.Duration(i+call.HopSamples) * time.Second / call.SampleRate,
			samples: fr.Samples, win: append([]float32(nil), fr.Window...), w8: append([]float32(nil), fr.Window8...),
			level: fr.LevelDB, pitch: fr.Pitch, speech: hang > 0, spectrum: dsp.NewSpectrum(),
		})
	}
	return out
}

// set fills h with m as the stream would.
func (m *measured) set(h *call.Hop) {
	h.T, h.Samples, h.Window, h.Window8, h.LevelDB, h.Speech = m.t, m.samples, m.win, m.w8, m.level, m.speech
	h.Pitch, h.Spectrum = m.pitch, m.spectrum
	h.PitchHz, h.PitchConf, h.Voiced = 0, 0, false
	if m.pitch.Voiced {
		h.PitchHz, h.PitchConf, h.Voiced = m.pitch.Hz, m.pitch.Conf, true
	}
	m.spectrum.Of(m.win)
}

// The live path reads the stream's measurements; offline (training) and hand-built hops
// run the Extractor's own front end. Both must score exactly the same thing, or a model
// would meet features in a call that it was not trained on.
func TestAnalyzerReadsStreamMeasurements(t *testing.T) {
	m := testModel(t)
	silence := make([]float32, 8000)
	var x []float32
	for _, f := range []string{"01-neutral.wav", "01-angry.wav", "02-sad.wav", "03-happy.wav"} {
		x = append(x, silence...)
		x = append(x, wavs(t, f)...)
	}
	own := NewAnalyzer(m, Config{}, event.Customer)
	var want recorder
	feed(own, x, &want)
	own.Close(&want)

	live := NewAnalyzer(m, Config{}, event.Customer)
	var got recorder
	h := &call.Hop{Party: event.Customer}
	for _, mh := range streamHops(x) {
		mh.set(h)
		live.Hop(h, &got)
	}
	live.Close(&got)
	if len(want.ev) < 4 {
		t.Fatalf("only %d events", len(want.ev))
	}
	if !reflect.DeepEqual(got.ev, want.ev) {
		for i := range min(len(got.ev), len(want.ev)) {
			if !reflect.DeepEqual(got.ev[i], want.ev[i]) {
				t.Fatalf("event %d differs:\n live %+v\n own  %+v", i, got.ev[i], want.ev[i])
			}
		}
		t.Fatalf("%d live events, %d offline", len(got.ev), len(want.ev))
	}
}

// The live hot path does not allocate between events either.
func TestAnalyzerStreamHopAllocs(t *testing.T) {
	m := testModel(t)
	a := NewAnalyzer(m, Config{MaxUtterance: time.Hour, Window: time.Hour}, event.Customer)
	hops := streamHops(wavs(t, "02-neutral.wav"))
	h := &call.Hop{Party: event.Customer}
	var r recorder
	i := 0
	allocs := testing.AllocsPerRun(300, func() {
		hops[i].set(h)
		h.Speech = true
		a.Hop(h, &r)
		i = (i + 1) % len(hops)
	})
	if allocs != 0 || len(r.ev) != 0 {
		t.Fatalf("%.1f allocs per hop, %d events", allocs, len(r.ev))
	}
}

// BenchmarkAnalyzerHop is the emotion stage's cost per 10 ms hop of speech on the live
// path: the features from the stream's measurements (the shared spectrum included, as
// the first consumer computes it; the pitch estimate is the stream's), the utterance
// buffer, and the scoring events it emits.
func BenchmarkAnalyzerHop(b *testing.B) {
	m := testModel(b)
	a := NewAnalyzer(m, DefaultConfig(), event.Customer)
	hops := streamHops(wavs(b, "02-neutral.wav", "03-angry.wav", "04-sad.wav"))
	h := &call.Hop{Party: event.Customer}
	var r recorder
	b.ReportAllocs()
	i := 0
	var t time.Duration
	for b.Loop() {
		hops[i].set(h)
		t += 10 * time.Millisecond
		h.T, h.Speech = t, true
		a.Hop(h, &r)
		i = (i + 1) % len(hops)
		if len(r.ev) > 1000 {
			r.ev = r.ev[:0]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "rtf")
}

// BenchmarkAnalyzerHopOwnFront is the same with hand-built hops: the Extractor runs its own
// front end (windows, decimation, pitch, spectrum), as in training.
func BenchmarkAnalyzerHopOwnFront(b *testing.B) {
	m := testModel(b)
	a := NewAnalyzer(m, DefaultConfig(), event.Customer)
	x := wavs(b, "02-neutral.wav", "03-angry.wav", "04-sad.wav")
	h := &call.Hop{Party: event.Customer, Speech: true, Window: make([]float32, call.WindowSamples)}
	var r recorder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.Samples = x[i : i+call.HopSamples]
		h.T += 10 * time.Millisecond
		a.Hop(h, &r)
		i = (i + call.HopSamples) % (len(x) - call.HopSamples)
		if len(r.ev) > 1000 {
			r.ev = r.ev[:0]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "rtf")
}

// BenchmarkStreamEmotionPCMU20ms is the whole analysis of one party per 20 ms G.711
// packet of speech: decode, the stream (8→16 kHz, level, pitch, VAD, cues) and the
// emotion analyzer on its hops, events into a no-op bus. rtf is CPU per second of audio.
func BenchmarkStreamEmotionPCMU20ms(b *testing.B) {
	m := testModel(b)
	r := call.NewRegistry(call.Config{
		Analyzers: []call.AnalyzerFactory{NewAnalyzerFactory(m, Config{})},
		Sleep:     func(context.Context, time.Duration) bool { return true }, // faster than real time
	})
	c, _, _ := r.Open(call.OpenParams{ID: "bench", Source: "bench"})
	defer c.End("bench")
	st, err := c.Join(event.Customer, "PCMU")
	if err != nil {
		b.Fatal(err)
	}
	st.SetDecoder(codec.NewPCMU())
	var x []float32
	for _, f := range []string{"02-neutral.wav", "03-angry.wav", "04-sad.wav", "02-happy.wav"} {
		x = append(x, wavs(b, f)...)
		x = append(x, make([]float32, 6000)...) // pauses: the VAD closes utterances
	}
	x8 := features.Resample(x, 16000, 8000)
	pcm := make([]int16, len(x8))
	for i, v := range x8 {
		pcm[i] = int16(math.Max(-32768, math.Min(32767, float64(v)*32768)))
	}
	pkts := make([][]byte, len(pcm)/160)
	for i := range pkts {
		pkts[i] = codec.EncodeULaw(nil, pcm[i*160:(i+1)*160])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st.WriteRTP(uint16(i), pkts[i%len(pkts)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6, "rtf")
}
