package call

import (
	"bytes"
	"context"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

// The hand-written cue encoding writes exactly what encoding/json writes for the same
// event, so consumers (and the golden files of other packages) cannot tell them apart.
func TestCueEncodingMatchesJSON(t *testing.T) {
	var got []event.Raw
	epoch := time.UnixMilli(1_700_000_123_456)
	r := NewRegistry(Config{Publish: func(raw event.Raw) { got = append(got, raw) }, Sleep: noSleep,
		Now: func() time.Time { return epoch }})
	defer func() { _ = r.Drain(context.Background()) }()
	c, _, err := r.Open(OpenParams{ID: "cue.test:01_A-b", Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	counter := metrics.Discard().Events.WithLabelValues("test")
	floats := []float64{0, -100, -0.1, 12.5, 1e-7, -3.25e-9, 1e21, 123456789.125, math.Copysign(0, -1)}
	var want []event.Event
	var idx []int // want[i] is got[idx[i]]
	ts := []time.Duration{0, 10 * time.Millisecond, 1234567 * time.Microsecond, time.Hour}
	for i, f := range floats {
		party := []event.Party{event.Customer, event.Agent, ""}[i%3]
		at := ts[i%len(ts)]
		cases := []struct {
			typ  string
			data any
			enc  []byte
		}{
			{event.Level, event.LevelData{DBFS: f, Peak: -f / 3}, appendLevel(nil, event.LevelData{DBFS: f, Peak: -f / 3})},
			{event.Pitch, event.PitchData{Hz: f, Voiced: i%2 == 0, Conf: 0.93}, appendPitch(nil, event.PitchData{Hz: f, Voiced: i%2 == 0, Conf: 0.93})},
			{event.VAD, event.VADData{Speech: i%2 == 1, TalkS: f}, appendVAD(nil, event.VADData{Speech: i%2 == 1, TalkS: f})},
		}
		for _, tc := range cases {
			n := len(got)
			c.emitCue(tc.typ, party, at, tc.enc, counter, nil)
			if len(got) != n+1 {
				t.Fatal("nothing published")
			}
			idx = append(idx, n)
			want = append(want, event.Event{V: event.Version, Type: tc.typ, Call: c.ID(), Seq: got[n].Seq,
				TS: epoch.UnixMilli(), Party: party, T: at.Seconds(), Data: tc.data})
		}
	}
	for i := range want {
		w, err := event.Marshal(&want[i])
		if err != nil {
			t.Fatal(err)
		}
		g := got[idx[i]]
		if !bytes.Equal(g.Body, w.Body) {
			t.Errorf("cue %d:\n got %s\nwant %s", i, g.Body, w.Body)
		}
		if g.Type != w.Type || g.Call != w.Call || g.Party != w.Party || g.Seq != w.Seq {
			t.Errorf("cue %d routing header %s/%s/%s/%d, want %s/%s/%s/%d", i, g.Type, g.Call, g.Party, g.Seq,
				w.Type, w.Call, w.Party, w.Seq)
		}
	}
}

// One party stream's steady state allocates nothing per packet or hop: what is left is
// one body per cue event (level and pitch every 100 ms, vad on changes), which the hub
// keeps.
func TestStreamAllocations(t *testing.T) {
	var events atomic.Int64
	r := NewRegistry(Config{Sleep: noSleep, Publish: func(event.Raw) { events.Add(1) }})
	defer func() { _ = r.Drain(context.Background()) }()
	c, _, _ := r.Open(OpenParams{ID: "alloc", Source: "test"})
	defer c.End("test")
	for _, tc := range []struct {
		codec   string
		packets [][]byte
	}{{"PCMU", pcmuPackets(withNoise(speechFixture(t), -50, 1))}, {"opus", opusFixture(t)}} {
		p := map[string]event.Party{"PCMU": event.Customer, "opus": event.Agent}[tc.codec]
		st, err := c.Join(p, tc.codec)
		if err != nil {
			t.Fatal(err)
		}
		dec, _ := codecFor(tc.codec)
		st.SetDecoder(dec)
		for i, pk := range tc.packets[:50] { // warm up: buffers grown, resamplers made
			st.WriteRTP(uint16(i), pk)
		}
		// testing.AllocsPerRun rounds down to whole allocations per run: count 300
		// packets. Mallocs counts the whole process (the registry's timers, the runtime):
		// the fewest of three runs is the stream's own.
		var allocs, bodies uint64
		seq := 50
		for try := range 3 {
			var m0, m1 runtime.MemStats
			e0 := events.Load()
			runtime.ReadMemStats(&m0)
			for range 300 {
				st.WriteRTP(uint16(seq), tc.packets[seq%len(tc.packets)])
				seq++
			}
			runtime.ReadMemStats(&m1)
			a, b := m1.Mallocs-m0.Mallocs, uint64(events.Load()-e0)
			if try == 0 || int64(a)-int64(b) < int64(allocs)-int64(bodies) {
				allocs, bodies = a, b
			}
		}
		if allocs > bodies+3 { // +3: the runtime's own, now and then
			t.Errorf("%s: %d allocations in 300 packets (6 s) that emitted %d events", tc.codec, allocs, bodies)
		}
		t.Logf("%s: %d allocations, %d events in 300 packets", tc.codec, allocs, bodies)
	}
}
