package call

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
)

// speechFixture returns testdata/speech8k.wav (scripts/make-speech-fixture.sh: three
// espeak-ng phrases, English, Dutch, English quieter, the first 0.25 s in, digital
// silence between them) as 8 kHz samples.
func speechFixture(t testing.TB) []int16 {
	t.Helper()
	b, err := os.ReadFile("testdata/speech8k.wav")
	if err != nil {
		t.Fatal(err)
	}
	// A canonical 44-byte header written by sox: mono, 16 bit, 8 kHz, then "data".
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[36:40]) != "data" ||
		binary.LittleEndian.Uint16(b[22:]) != 1 || binary.LittleEndian.Uint32(b[24:]) != 8000 {
		t.Fatal("testdata/speech8k.wav: not a canonical 8 kHz mono WAV")
	}
	n := int(binary.LittleEndian.Uint32(b[40:])) / 2
	x := make([]int16, n)
	if err := binary.Read(bytes.NewReader(b[44:44+2*n]), binary.LittleEndian, x); err != nil {
		t.Fatal(err)
	}
	return x
}

// withNoise returns x plus white noise at about rmsDB dBFS from a fixed seed (a line is
// never digitally silent), clipped to 16 bits.
func withNoise(x []int16, rmsDB float64, seed uint32) []int16 {
	amp := 32768 * math.Pow(10, rmsDB/20) * math.Sqrt(3) // uniform ±a has rms a/√3
	out := make([]int16, len(x))
	for i, v := range x {
		seed = seed*1664525 + 1013904223
		u := float64(int32(seed)) / (1 << 31)
		out[i] = int16(max(-32768, min(32767, float64(v)+amp*u)))
	}
	return out
}

// onsets returns the times of speech onsets in clean 8 kHz audio: the first 10 ms frame
// above −40 dBFS after at least 300 ms below it (loadgen.Onsets' rule, at 10 ms).
func onsets(x []int16) []time.Duration {
	var out []time.Duration
	quiet := 30
	for f := 0; (f+1)*80 <= len(x); f++ {
		var e float64
		for _, v := range x[f*80 : (f+1)*80] {
			e += float64(v) * float64(v)
		}
		if 10*math.Log10(e/80+1e-9)-90.3 > -40 {
			if quiet >= 30 {
				out = append(out, time.Duration(f)*10*time.Millisecond)
			}
			quiet = 0
		} else {
			quiet++
		}
	}
	return out
}

// hopRec is what the stream measured at one hop.
type hopRec struct {
	T         time.Duration
	LevelDB   float64
	PitchHz   float64
	PitchConf float64
	Voiced    bool
	Speech    bool
}

type hopRecorder struct{ hops *[]hopRec }

func (r hopRecorder) Hop(h *Hop, _ Emitter) {
	*r.hops = append(*r.hops, hopRec{h.T, h.LevelDB, h.PitchHz, h.PitchConf, h.Voiced, h.Speech})
}
func (r hopRecorder) Close(Emitter) {}

// runStream plays packets (one 20 ms payload each, sequence numbers in order) of the
// named codec through one party stream of a call and returns every hop the stream
// measured and the events the call published.
func runStream(t testing.TB, codecName string, packets [][]byte) ([]hopRec, []event.Event) {
	t.Helper()
	s := &sink{}
	var hops []hopRec
	epoch := time.Unix(1_700_000_000, 0) // a fixed clock: the party joins at media time 0
	r := NewRegistry(Config{Publish: s.publish, Recorder: s, Sleep: noSleep, Now: func() time.Time { return epoch },
		Analyzers: []AnalyzerFactory{func(string, event.Party) Analyzer { return hopRecorder{&hops} }}})
	defer func() { _ = r.Drain(context.Background()) }()
	c, _, err := r.Open(OpenParams{ID: "fixture", Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := codec.ForCodec("audio/"+codecName, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	c.Go("feed", func(context.Context) {
		defer close(done)
		st, err := c.Join(event.Customer, dec.Name())
		if err != nil {
			panic(err)
		}
		st.SetDecoder(dec)
		for i, p := range packets {
			st.WriteRTP(uint16(i), p)
		}
		c.Leave(event.Customer)
	})
	<-done
	<-c.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	return hops, append([]event.Event(nil), s.events...)
}

// pcmuPackets cuts 8 kHz audio into 20 ms µ-law payloads.
func pcmuPackets(x []int16) [][]byte {
	var out [][]byte
	for i := 0; i+160 <= len(x); i += 160 {
		out = append(out, codec.EncodeULaw(nil, x[i:i+160]))
	}
	return out
}

// vadStarts returns the media times of speech-start vad events of party p.
func vadStarts(evs []event.Event, p event.Party) []time.Duration {
	var out []time.Duration
	for _, ev := range evs {
		if ev.Type != event.VAD || ev.Party != p {
			continue
		}
		if m, ok := ev.Data.(map[string]any); ok && m["speech"] == true {
			out = append(out, time.Duration(ev.T*float64(time.Second)).Round(time.Millisecond))
		}
	}
	return out
}

// codecFor is codec.ForCodec for an SDP codec name.
func codecFor(name string) (codec.Decoder, error) { return codec.ForCodec("audio/"+name, 0) }
