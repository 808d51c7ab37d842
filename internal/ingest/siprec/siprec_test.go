package siprec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/server/servertest"
)

func TestMain(m *testing.M) {
	// Many SBCs send SIPREC INVITEs (SDP + metadata, ~1.5 KB) over UDP and let IP fragment
	// them; sipgo's client refuses UDP requests over 1300 bytes unless told otherwise. Set
	// once, before any goroutine reads it. (The server side reads up to 64 KB regardless.)
	sip.UDPMTUSize = 65000
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

// enable turns SIP on, with the loopback address trusted as the test SBC (no tokens).
func enable(c *config.Config) {
	c.SIPAddr = "127.0.0.1:0"
	c.Telephony.SIPAllowFrom = []string{"127.0.0.1"}
}

type peer struct {
	id string
	c  *siprec.Client
}

func (p *peer) CallID() string { return p.id }
func (p *peer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	return ingesttest.PlayFrames(ctx, ch, on, func(_, i int, fr []int16) error { return p.c.SendFrame(i, fr) })
}
func (p *peer) Hangup(ctx context.Context) error { return p.c.Bye(ctx) }
func (p *peer) Vanish()                          {}

var ids atomic.Int64

func dial(ctx context.Context, n *servertest.Node, transport string, streams int, hdr map[string]string) (*peer, error) {
	id := fmt.Sprintf("sip-test-%d", ids.Add(1))
	h := map[string]string{siprec.HeaderCall: id}
	for k, v := range hdr {
		h[k] = v
	}
	c, err := siprec.Dial(ctx, siprec.ClientParams{Server: n.SIP.Addr(), Transport: transport, Streams: streams, Headers: h})
	if err != nil {
		return nil, err
	}
	n.T.Cleanup(c.Close)
	return &peer{id: id, c: c}, nil
}

func TestContractUDP(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "siprec", Config: enable,
		Dial: func(ctx context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) {
			return dial(ctx, n, "udp", 2, nil)
		}})
}

func TestContractTCP(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "siprec", Config: enable,
		Dial: func(ctx context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) {
			return dial(ctx, n, "tcp", 2, nil)
		}})
}

// A plain INVITE with one audio stream is one party, named by X-Undertone-Party.
func TestContractPlainSIP(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "sip", Config: enable, Parties: []event.Party{event.Customer},
		Dial: func(ctx context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) {
			return dial(ctx, n, "udp", 1, map[string]string{siprec.HeaderParty: "customer"})
		}})
}

// With sip_caller_party=agent the caller's stream (label 1) is the agent.
func TestCallerPartyConfigurable(t *testing.T) {
	n := servertest.New(t, enable, func(c *config.Config) { c.Telephony.SIPCallerParty = "agent" })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := dial(ctx, n, "udp", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall(p.id, 5*time.Second) {
		t.Fatal("no call")
	}
	w := servertest.Watch(t, n, p.id)
	// stream 0 (caller) plays 330 Hz, stream 1 plays 220 Hz: swapped parties see the
	// usual tones.
	if err := p.Play(ctx, [][]int16{servertest.Tone(330, 1), servertest.Tone(220, 1)}, nil); err != nil {
		t.Fatal(err)
	}
	_ = p.Hangup(ctx)
	if _, err := w.WaitEnded(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := map[event.Party]float64{}
	for _, ev := range w.Events() {
		if ev.Type == event.Pitch {
			if d := ev.Data.(map[string]any); d["voiced"] == true {
				got[ev.Party] = d["hz"].(float64)
			}
		}
	}
	if got[event.Agent] < 320 || got[event.Customer] > 230 || got[event.Customer] < 210 {
		t.Errorf("pitch by party %v: want agent 330 (the caller), customer 220", got)
	}
}

// X-Undertone-Lang reaches call.started's meta as lang (it picks the transcriber).
func TestLanguageHeader(t *testing.T) {
	n := servertest.New(t, enable)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := dial(ctx, n, "udp", 1, map[string]string{siprec.HeaderLang: "nl-NL"})
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall(p.id, 5*time.Second) {
		t.Fatal("call not opened")
	}
	w := servertest.Watch(t, n, p.id)
	if err := p.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitEnded(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, ev := range w.Events() {
		if ev.Type != event.CallStarted {
			continue
		}
		b, _ := json.Marshal(ev.Data)
		var info event.CallInfo
		if err := json.Unmarshal(b, &info); err != nil || info.Meta["lang"] != "nl-NL" {
			t.Errorf("call.started meta %v (%v), want lang nl-NL", info.Meta, err)
		}
		return
	}
	t.Error("no call.started")
}
