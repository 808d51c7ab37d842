package call

import (
	"testing"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
)

// speechLike is a 150 Hz harmonic signal with a syllable-rate envelope: voiced most of
// the time, so the pitch tracker runs on most hops (the expensive case).
func speechLike(n, rate int) []int16 {
	x := sine(150, n, rate)
	h := sine(450, n, rate)
	for i := range x {
		env := 0.5 + 0.5*float64((i/(rate/5))%2)
		x[i] = int16(env * (float64(x[i]) + 0.3*float64(h[i])))
	}
	return x
}

// BenchmarkStreamPCMU20ms is one party's hot path per 20 ms RTP packet: G.711 decode,
// resample 8→16 kHz, two 10 ms hops of level + pitch + VAD, cue aggregation and the
// event emission (marshal + publish to a no-op bus). Compare with
// BenchmarkDecodePCMU20ms (the bare decode loop) for the ratio in the closing note.
func BenchmarkStreamPCMU20ms(b *testing.B) {
	r := NewRegistry(Config{Sleep: noSleep}) // benchmarks run faster than real time
	c, _, _ := r.Open(OpenParams{ID: "bench", Source: "bench"})
	defer c.End("bench")
	st, err := c.Join(event.Customer, "PCMU")
	if err != nil {
		b.Fatal(err)
	}
	st.SetDecoder(codec.NewPCMU())
	audio := speechLike(8000*4, 8000)
	pkts := make([][]byte, len(audio)/160)
	for i := range pkts {
		pkts[i] = codec.EncodeULaw(nil, audio[i*160:(i+1)*160])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st.WriteRTP(uint16(i), pkts[i%len(pkts)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6, "rtf")
}

// BenchmarkDecodePCMU20ms is the bare decode loop the stream is compared with.
func BenchmarkDecodePCMU20ms(b *testing.B) {
	d := codec.NewPCMU()
	pkt := codec.EncodeULaw(nil, speechLike(160, 8000))
	pcm := make([]int16, 160)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = d.Decode(pkt, pcm)
	}
}

// BenchmarkStreamOpus20ms is BenchmarkStreamPCMU20ms for the Opus fixture (libopus SILK
// wideband, decoded at 16 kHz).
func BenchmarkStreamOpus20ms(b *testing.B) {
	r := NewRegistry(Config{Sleep: noSleep})
	c, _, _ := r.Open(OpenParams{ID: "bench", Source: "bench"})
	defer c.End("bench")
	st, err := c.Join(event.Customer, "opus")
	if err != nil {
		b.Fatal(err)
	}
	dec, _ := codec.ForCodec(codec.MimeOpus, 0)
	st.SetDecoder(dec)
	pkts := opusFixture(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st.WriteRTP(uint16(i), pkts[i%len(pkts)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6, "rtf")
}
