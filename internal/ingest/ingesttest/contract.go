package ingesttest

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/server"
	"github.com/undertone/undertone/internal/server/servertest"
)

// Frame is 20 ms at 8 kHz: every Peer plays its channels in frames of this size.
const Frame = ingest.Frame

// Source is one ingest protocol under test.
type Source struct {
	Name   string               // as reported in call.started's source
	Config func(*config.Config) // enables the protocol on the node (listen addresses, …)
	Dial   func(ctx context.Context, n *servertest.Node, callID string) (Peer, error)
	// Parties the protocol carries in one Dial (both unless the protocol is single-party).
	Parties []event.Party
	// Protocol adds a protocol the node does not build itself (one outside the node's
	// list, e.g. a test's own); nil for the node's protocols.
	Protocol ingest.Factory
}

func (src Source) node(t *testing.T) *servertest.Node {
	var opts []server.Option
	if src.Protocol != nil {
		opts = append(opts, server.WithProtocol(src.Protocol))
	}
	return servertest.NewWith(t, opts, src.Config)
}

// Peer is one live test call through a protocol: both parties of the call.
type Peer interface {
	// CallID is the id the server gives the call.
	CallID() string
	// Play sends channels (customer then agent, 8 kHz, whole frames) in real time, 20 ms a
	// frame; onFrame (optional) is called after frame f is sent.
	Play(ctx context.Context, channels [][]int16, onFrame func(f int, sent time.Time)) error
	// Hangup ends the call the protocol's way (BYE, hangup frame, stop, close, DELETE).
	Hangup(ctx context.Context) error
	// Vanish stops sending without a goodbye, like a peer that crashed or lost its network.
	Vanish()
}

// Customer and agent tones of the known stereo call.
const (
	CustomerHz = 220.0
	AgentHz    = 330.0
)

// StereoCall returns the known test call: seconds of 220 Hz as the customer and 330 Hz
// as the agent, both at once.
func StereoCall(seconds float64) [][]int16 {
	return [][]int16{servertest.Tone(CustomerHz, seconds), servertest.Tone(AgentHz, seconds)}
}

// Run runs the contract against src.
func Run(t *testing.T, src Source) {
	if len(src.Parties) == 0 {
		src.Parties = []event.Party{event.Customer, event.Agent}
	}
	t.Run("StereoCall", func(t *testing.T) { testStereoCall(t, src) })
	t.Run("VanishedPeer", func(t *testing.T) { testVanished(t, src) })
}

func dial(t *testing.T, ctx context.Context, n *servertest.Node, src Source, id string) (Peer, *servertest.Watcher) {
	t.Helper()
	p, err := src.Dial(ctx, n, id)
	if err != nil {
		t.Fatalf("%s: dial: %v", src.Name, err)
	}
	if !n.WaitCall(p.CallID(), 10*time.Second) {
		p.Vanish()
		t.Fatalf("%s: call %s never appeared in the registry", src.Name, p.CallID())
	}
	return p, servertest.Watch(t, n, p.CallID())
}

func testStereoCall(t *testing.T, src Source) {
	n := src.node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, w := dial(t, ctx, n, src, "contract-stereo-"+src.Name)
	id := p.CallID()
	audio := StereoCall(2.0)[:len(src.Parties)]
	if err := p.Play(ctx, audio, nil); err != nil {
		t.Fatalf("play: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // the last hops reach the socket
	if err := p.Hangup(ctx); err != nil {
		t.Fatalf("hangup: %v", err)
	}
	ended, err := w.WaitEnded(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a second call.ended would arrive by now
	evs := w.Events()

	// Sequence numbers strictly increase; media time never goes back per party.
	var seq uint64
	lastT := map[event.Party]float64{}
	types := map[string]int{}
	pitches := map[event.Party][]float64{}
	for _, ev := range evs {
		if ev.Seq <= seq {
			t.Fatalf("seq not increasing: %d after %d", ev.Seq, seq)
		}
		seq = ev.Seq
		types[ev.Type]++
		if ev.Party != "" {
			if ev.T < lastT[ev.Party] {
				t.Errorf("%s %s t=%.3f after %.3f: media time went back", ev.Party, ev.Type, ev.T, lastT[ev.Party])
			}
			lastT[ev.Party] = ev.T
		}
		if ev.Type == event.Pitch {
			var d event.PitchData
			b, _ := json.Marshal(ev.Data)
			_ = json.Unmarshal(b, &d)
			if d.Voiced {
				pitches[ev.Party] = append(pitches[ev.Party], d.Hz)
			}
		}
	}
	if types[event.CallStarted] != 1 || types[event.CallEnded] != 1 {
		t.Fatalf("call.started ×%d, call.ended ×%d; want exactly 1 each (%v)", types[event.CallStarted], types[event.CallEnded], types)
	}
	// Parties the right way round: the customer's voiced pitch is 220 Hz, the agent's 330.
	want := map[event.Party]float64{event.Customer: CustomerHz, event.Agent: AgentHz}
	for _, party := range src.Parties {
		ps := pitches[party]
		if len(ps) < 5 {
			t.Errorf("%s: only %d voiced pitch events (types %v)", party, len(ps), types)
			continue
		}
		slices.Sort(ps)
		med := ps[len(ps)/2]
		if math.Abs(med-want[party]) > 0.03*want[party] {
			t.Errorf("%s: median pitch %.1f Hz, want %.0f Hz (parties swapped or audio garbled?)", party, med, want[party])
		}
	}
	// The summary was stored and published, with every party's media.
	if rec, err := n.Stored(id); err != nil || rec.State != string(call.Ended) || rec.Summary == nil {
		t.Errorf("stored call: %+v, %v; want ended with a summary", rec, err)
	}
	var info event.CallInfo
	b, _ := json.Marshal(ended.Data)
	if err := json.Unmarshal(b, &info); err != nil || info.Summary == nil {
		t.Fatalf("call.ended without a summary: %s", b)
	}
	if info.Source != src.Name {
		t.Errorf("source %q, want %q", info.Source, src.Name)
	}
	for _, party := range src.Parties {
		ps, ok := info.Summary.Parties[party]
		if !ok {
			t.Errorf("summary has no %s", party)
			continue
		}
		if ps.MediaS < 1.5 || ps.MediaS > 3 {
			t.Errorf("%s: summary media_s %.2f, want ≈ 2", party, ps.MediaS)
		}
	}
	if info.Reason == "timeout" || info.Reason == "error" {
		t.Errorf("call ended with reason %q after a hangup", info.Reason)
	}
	// Listed by the API as ended.
	listed := n.Listed(t, id)
	if listed.State != call.Ended || listed.Source != src.Name {
		t.Errorf("GET /v1/calls: %+v", listed)
	}
	if l := n.Registry.Live(); l != 0 {
		t.Errorf("%d calls still live", l)
	}
	t.Logf("%s: %d events %v; pitch customer %v… agent %v…", src.Name, len(evs), types,
		head(pitches[event.Customer]), head(pitches[event.Agent]))
}

func head(x []float64) []float64 { return x[:min(3, len(x))] }

func testVanished(t *testing.T, src Source) {
	n := src.node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, w := dial(t, ctx, n, src, "contract-vanish-"+src.Name)
	if err := p.Play(ctx, StereoCall(0.6)[:len(src.Parties)], nil); err != nil {
		t.Fatalf("play: %v", err)
	}
	gone := time.Now()
	p.Vanish()
	ended, err := w.WaitEnded(servertest.IdleTimeout + 3*time.Second)
	if err != nil {
		t.Fatalf("vanished peer: %v", err)
	}
	took := time.Since(gone)
	// The watchdog checks every IdleTimeout/4, so the bound is IdleTimeout·5/4 plus slack.
	if took > servertest.IdleTimeout*5/4+time.Second {
		t.Errorf("call ended %s after the peer vanished; idle timeout is %s", took, servertest.IdleTimeout)
	}
	time.Sleep(300 * time.Millisecond)
	count := 0
	for _, ev := range w.Events() {
		if ev.Type == event.CallEnded {
			count++
		}
	}
	if count != 1 {
		t.Errorf("call.ended ×%d, want 1", count)
	}
	if rec, err := n.Stored(p.CallID()); err != nil || rec.State != string(call.Ended) || rec.Summary == nil {
		t.Errorf("stored call: %+v, %v; want ended with a summary", rec, err)
	}
	var info event.CallInfo
	b, _ := json.Marshal(ended.Data)
	_ = json.Unmarshal(b, &info)
	t.Logf("%s: vanished peer ended the call after %s (reason %s)", src.Name, took.Round(10*time.Millisecond), info.Reason)
}

// PlayFrames is a helper for Peers: it paces frames against the wall clock and calls
// send(f, i, frame) for each channel i of frame f (ingest.PlayFrames, shared with the
// load client).
func PlayFrames(ctx context.Context, channels [][]int16, onFrame func(int, time.Time), send func(f, i int, frame []int16) error) error {
	return ingest.PlayFrames(ctx, channels, onFrame, send)
}
