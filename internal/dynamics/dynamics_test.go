package dynamics

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// rec is an Emitter that keeps what it is given.
type rec struct{ evs []event.Event }

func (r *rec) Emit(p event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	r.evs = append(r.evs, event.Event{Type: typ, Party: p, T: t.Seconds(), Data: data})
}

func (r *rec) of(typ string) []event.Event {
	var out []event.Event
	for _, e := range r.evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func (r *rec) lastDynamics(t *testing.T) event.DynamicsData {
	t.Helper()
	ds := r.of(event.Dynamics)
	if len(ds) == 0 {
		t.Fatal("no dynamics event")
	}
	return *ds[len(ds)-1].Data.(*event.DynamicsData)
}

type seg struct{ from, to float64 }

// vadEvents renders speech segments of both parties as the call stream sends vad events:
// one per party every `every` seconds of media (the heartbeat) and at each change, the
// agent's arriving `lag` seconds late, interleaved as a joiner would see them.
func vadEvents(cust, agent []seg, end, every, lag float64) []event.Event {
	type item struct {
		arrive float64
		ev     event.Event
	}
	var items []item
	gen := func(p event.Party, segs []seg, lag float64) {
		speaking := func(t float64) bool {
			for _, s := range segs {
				if t >= s.from-1e-9 && t < s.to-1e-9 {
					return true
				}
			}
			return false
		}
		n := int(math.Round(end / every))
		for i := 0; i <= n; i++ {
			t := math.Round(float64(i)*every*1000) / 1000
			items = append(items, item{t + lag, event.Event{Type: event.VAD, Party: p, T: t,
				Data: &event.VADData{Speech: speaking(t)}}})
		}
	}
	gen(event.Customer, cust, 0)
	gen(event.Agent, agent, lag)
	slices.SortStableFunc(items, func(a, b item) int {
		switch {
		case a.arrive < b.arrive:
			return -1
		case a.arrive > b.arrive:
			return 1
		}
		return 0
	})
	out := make([]event.Event, len(items))
	for i, it := range items {
		out[i] = it.ev
	}
	return out
}

func transitions(p event.Party, segs []seg) []event.Event {
	var out []event.Event
	for _, s := range segs {
		out = append(out, event.Event{Type: event.VAD, Party: p, T: s.from, Data: &event.VADData{Speech: true}},
			event.Event{Type: event.VAD, Party: p, T: s.to, Data: &event.VADData{Speech: false}})
	}
	return out
}

// The scripted conversation of TestFigures; every figure below is worked out by hand.
var (
	scriptCust  = []seg{{0, 4}, {8, 12}, {18, 18.5}, {21, 24}}
	scriptAgent = []seg{{4.5, 9}, {17, 20}, {23, 28}}
)

func checkScript(t *testing.T, d event.DynamicsData) {
	t.Helper()
	want := event.DynamicsData{
		T:               28,
		Talk:            event.TalkShares{Customer: 11.5, Agent: 12.5},
		TalkRatio:       0.521, // 12.5 / 24
		OvertalkS:       2.5,   // 8–9, 18–18.5, 23–24
		OvertalkShare:   0.116, // 2.5 / 21.5 s of anyone speaking
		Interruptions:   event.PartyCounts{Customer: 1, Agent: 1},
		DeadAirS:        5, // 12–17; 4–4.5 and 20–21 are shorter than 3 s
		LongestSilenceS: 5,
		SegmentRate:     event.PartyRates{Customer: 8.6, Agent: 6.4}, // 4 and 3 segments in 28 s
		Turns:           6,                                           // c, a, c, a, c, a; 18–18.5 is a back-channel
		LongestMonoS:    5,                                           // agent 23–28
		LongestMonoBy:   event.Agent,
	}
	if d != want {
		t.Fatalf("figures\n got %+v\nwant %+v", d, want)
	}
}

func TestFigures(t *testing.T) {
	a := New(Config{})
	var r rec
	evs := append(transitions(event.Customer, scriptCust), transitions(event.Agent, scriptAgent)...)
	slices.SortStableFunc(evs, func(x, y event.Event) int {
		switch {
		case x.T < y.T:
			return -1
		case x.T > y.T:
			return 1
		}
		return 0
	})
	for i := range evs {
		a.Event(&evs[i], &r)
	}
	a.Close(&r)
	checkScript(t, r.lastDynamics(t))
	if al := r.of(event.Alert); len(al) != 0 {
		t.Fatalf("alerts on an ordinary call: %+v", al)
	}
}

// TestFiguresHeartbeatsAndLag feeds the same conversation as the call stream emits it:
// heartbeats every 100 ms per party, the agent's stream arriving 70 ms behind.
func TestFiguresHeartbeatsAndLag(t *testing.T) {
	for _, lag := range []float64{0, 0.07, 0.5, -0.3} {
		a := New(Config{})
		var r rec
		evs := vadEvents(scriptCust, scriptAgent, 28, 0.1, lag)
		for i := range evs {
			a.Event(&evs[i], &r)
		}
		a.Close(&r)
		checkScript(t, r.lastDynamics(t))
	}
}

func TestInterruptionNeedsTheOtherToYield(t *testing.T) {
	cases := []struct {
		name        string
		cust, agent []seg
		want        event.PartyCounts
	}{
		{"agent cuts in, customer stops at once", []seg{{0, 5.2}}, []seg{{5, 9}}, event.PartyCounts{Agent: 1}},
		{"customer speaks on for 2 s: overlap, not a yield", []seg{{0, 7}}, []seg{{5, 9}}, event.PartyCounts{}},
		{"customer had only just started", []seg{{4.5, 5.2}}, []seg{{5, 9}}, event.PartyCounts{}},
		{"agent's murmur ends first", []seg{{0, 8}}, []seg{{5, 5.5}}, event.PartyCounts{}},
		{"customer cuts in twice", []seg{{3, 8}, {12, 15}}, []seg{{0, 3.5}, {9, 12.4}}, event.PartyCounts{Customer: 2}},
	}
	for _, c := range cases {
		a := New(Config{})
		var r rec
		evs := vadEvents(c.cust, c.agent, 16, 0.1, 0.03)
		for i := range evs {
			a.Event(&evs[i], &r)
		}
		a.Close(&r)
		if got := r.lastDynamics(t).Interruptions; got != c.want {
			t.Errorf("%s: interruptions %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestDeadAirAlertsFromHeartbeatsAndTicks(t *testing.T) {
	a := New(Config{})
	var r rec
	// The customer speaks 0–2 s; then only heartbeats until 20 s, then the audio stops.
	evs := vadEvents([]seg{{0, 2}}, nil, 20, 0.1, 0)
	for i := range evs {
		a.Event(&evs[i], &r)
	}
	al := r.of(event.Alert)
	if len(al) != 1 {
		t.Fatalf("alerts after 18 s of silence: %+v", al)
	}
	d := (*al[0].Data.(*event.AlertData))
	if d.Kind != event.AlertDeadAir || d.Severity != event.SeverityWarning || d.Value != 15 || d.Start != 2 || al[0].T != 17 {
		t.Fatalf("dead-air warning: %+v at %v", d, al[0].T)
	}
	// No more audio: the wall clock carries the silence on (Tick's elapsed).
	for el := 20 * time.Second; el <= 60*time.Second; el += 500 * time.Millisecond {
		a.Tick(el, &r)
	}
	al = r.of(event.Alert)
	if len(al) != 2 {
		t.Fatalf("alerts after 58 s of silence: %d", len(al))
	}
	if d := (*al[1].Data.(*event.AlertData)); d.Severity != event.SeverityCritical || d.Value != 45 || al[1].T != 47 {
		t.Fatalf("dead-air critical: %+v at %v", d, al[1].T)
	}
	dy := r.lastDynamics(t)
	if dy.SilenceNowS != 58 || dy.DeadAirS != 58 || dy.LongestSilenceS != 58 {
		t.Fatalf("live silence: %+v", dy)
	}
	// Speech resumes: the silence is over, the total keeps it.
	ev := event.Event{Type: event.VAD, Party: event.Agent, T: 60, Data: &event.VADData{Speech: true}}
	a.Event(&ev, &r)
	a.Close(&r)
	if dy := r.lastDynamics(t); dy.SilenceNowS != 0 || dy.DeadAirS != 58 {
		t.Fatalf("after the silence: %+v", dy)
	}
}

func TestAgentOvertalkAlerts(t *testing.T) {
	t.Run("three interruptions in two minutes", func(t *testing.T) {
		a := New(Config{})
		var r rec
		cust := []seg{{0, 10.5}, {20, 30.5}, {40, 50.5}, {60, 70.5}}
		agent := []seg{{10, 15}, {30, 35}, {50, 55}, {70, 75}}
		evs := vadEvents(cust, agent, 80, 0.1, 0.02)
		for i := range evs {
			a.Event(&evs[i], &r)
		}
		a.Close(&r)
		al := r.of(event.Alert)
		if len(al) != 1 {
			t.Fatalf("want one alert (the fourth is inside the cooldown), got %+v", al)
		}
		d := (*al[0].Data.(*event.AlertData))
		if d.Kind != event.AlertAgentOvertalk || d.Value != 3 || d.Start != 10.5 || al[0].T != 50.5 || al[0].Party != event.Agent {
			t.Fatalf("alert %+v at %v", d, al[0].T)
		}
		if got := r.lastDynamics(t).Interruptions.Agent; got != 4 {
			t.Fatalf("agent interruptions %d", got)
		}
	})
	t.Run("talking over the customer for 4 s", func(t *testing.T) {
		a := New(Config{})
		var r rec
		evs := vadEvents([]seg{{0, 12}}, []seg{{6, 14}}, 16, 0.1, 0)
		for i := range evs {
			a.Event(&evs[i], &r)
		}
		al := r.of(event.Alert)
		if len(al) != 1 || al[0].T != 10 || (*al[0].Data.(*event.AlertData)).Start != 6 {
			t.Fatalf("run alert: %+v", al)
		}
	})
}

func TestDynamicsAtMostOncePerSecond(t *testing.T) {
	a := New(Config{})
	var r rec
	evs := vadEvents([]seg{{0, 3}, {6, 9}}, []seg{{3, 6}}, 10, 0.1, 0)
	i := 0
	for el := time.Duration(0); el <= 10*time.Second; el += 500 * time.Millisecond {
		for ; i < len(evs) && evs[i].T <= el.Seconds(); i++ {
			a.Event(&evs[i], &r)
		}
		a.Tick(el, &r)
	}
	if n := len(r.of(event.Dynamics)); n < 9 || n > 11 {
		t.Fatalf("%d dynamics events in 10 s of ticks", n)
	}
	var prev float64 = -1
	for _, e := range r.of(event.Dynamics) {
		if e.T-prev < 0.99 {
			t.Fatalf("dynamics at %v after %v", e.T, prev)
		}
		prev = e.T
	}
}

func TestPaceFromTranscripts(t *testing.T) {
	a := New(Config{})
	var r rec
	evs := vadEvents([]seg{{0, 6}}, []seg{{6, 10}}, 10, 0.1, 0)
	for i := range evs {
		a.Event(&evs[i], &r)
	}
	tr := []event.Event{
		{Type: event.Transcript, Party: event.Customer, T: 6, Data: &event.TranscriptData{Start: 0, End: 6, Text: "ik wil graag weten waarom mijn rekening deze maand zo hoog is", Final: true}},
		{Type: event.Transcript, Party: event.Agent, T: 10, Data: &event.TranscriptData{Start: 6, End: 10, Text: "dat zoek ik", Final: false}},
		{Type: event.Transcript, Party: event.Agent, T: 10, Data: &event.TranscriptData{Start: 6, End: 10, Text: "dat zoek ik even voor u op", Final: true}},
	}
	for i := range tr {
		a.Event(&tr[i], &r)
	}
	a.Close(&r)
	d := r.lastDynamics(t)
	if d.WPM.Customer != 120 || d.WPM.Agent != 105 { // 12 words in 6 s; 7 words in 4 s
		t.Fatalf("wpm %+v", d.WPM)
	}
}
