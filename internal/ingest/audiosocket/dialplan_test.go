package audiosocket_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/server/servertest"
)

// stockUUID is what Asterisk's ${UUID()} gives: a random version-4 UUID. Its last hex
// digit is forced to 2…f so that it is one of the fifteen in sixteen the suffix rule
// cannot pair (the other sixteenth is the suffix rule's business, tested elsewhere).
func stockUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	if b[15]&0x0f < 2 {
		b[15] |= 0x0e
	}
	return audiosocket.FormatUUID(b[:])
}

// stockPeer is one channel running AudioSocket(${UUID()},host:port) from a dialplan with
// no pairing: one connection, one party.
type stockPeer struct {
	uuid string
	conn *audiosocket.Client
}

func (p *stockPeer) CallID() string { return p.uuid }

func (p *stockPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	return ingesttest.PlayFrames(ctx, ch[:1], on, func(_, _ int, fr []int16) error { return p.conn.WriteAudio(fr) })
}

func (p *stockPeer) Hangup(context.Context) error { return p.conn.Hangup() }
func (p *stockPeer) Vanish()                      {}

func dialStock(n *servertest.Node) (*stockPeer, error) {
	u := stockUUID()
	c, err := audiosocket.Dial(n.AudioSocket.Addr().String(), u)
	if err != nil {
		return nil, err
	}
	n.T.Cleanup(func() { c.Close() })
	return &stockPeer{uuid: u, conn: c}, nil
}

// A stock dialplan's connection is a one-party call that passes the ingest contract like
// any paired one (its customer is the customer of the known test call).
func TestStockDialplanContract(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "audiosocket", Config: enable, Parties: []event.Party{event.Customer},
		Dial: func(_ context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) { return dialStock(n) }})
}

// TestStockDialplan drives AudioSocket exactly as `AudioSocket(${UUID()},host:port)` in a
// plain Asterisk dialplan does — a random UUID, signed-linear 8 kHz frames of 20 ms paced
// at real time, a hangup frame — and the call is listed by GET /v1/calls while it is live,
// with the customer's level and pitch cues on its websocket, and one log line saying how
// to pair legs.
func TestStockDialplan(t *testing.T) {
	var logs syncBuf
	n := servertest.New(t, enable)
	// The node's own logger is discarded; a second AudioSocket server on the same
	// registry, with a logger we read, is the one the "dialplan" talks to.
	as := audiosocket.New(audiosocket.Config{Admit: &ingest.Admitter{Registry: n.Registry},
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err := as.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer as.Close()

	u := stockUUID()
	c, err := audiosocket.Dial(as.Addr().String(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !n.WaitCall(u, 5*time.Second) {
		t.Fatalf("a stock dialplan's UUID %s did not become a call", u)
	}
	w := servertest.Watch(t, n, u)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	speech := servertest.Tone(ingesttest.CustomerHz, 3)
	if err := ingesttest.PlayFrames(ctx, [][]int16{speech}, nil, func(_, _ int, fr []int16) error { return c.WriteAudio(fr) }); err != nil {
		t.Fatal(err)
	}
	live := n.Listed(t, u)
	if live.State != call.Live || live.Source != "audiosocket" || len(live.Parties) != 1 || live.Parties[0] != event.Customer {
		t.Errorf("GET /v1/calls while live: %+v, want a live audiosocket call of the customer", live)
	}
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	ended, err := w.WaitEnded(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r := ended.Data.(map[string]any)["reason"]; r != "hangup" {
		t.Errorf("ended with reason %v, want hangup", r)
	}
	cues := map[string]int{}
	for _, ev := range w.Events() {
		if ev.Party == event.Customer {
			cues[ev.Type]++
		}
		if ev.Party == event.Agent {
			t.Errorf("an agent event on a one-party call: %+v", ev)
		}
	}
	// 3 s of audio at the default 100 ms cue interval: about 30 of each.
	if cues[event.Level] < 20 || cues[event.Pitch] < 20 {
		t.Errorf("customer cues %v, want ≥ 20 level and pitch events", cues)
	}
	if ended := n.Listed(t, u); ended.State != call.Ended {
		t.Errorf("GET /v1/calls after the hangup: %+v", ended)
	}
	out := logs.String()
	if k := strings.Count(out, "pairs with no other leg"); k != 1 || !strings.Contains(out, "/v1/audiosocket/bindings") ||
		!strings.Contains(out, "last hex digit") {
		t.Errorf("want one log line saying how to pair legs, got %d:\n%s", k, out)
	}
	t.Logf("stock UUID %s: customer cues %v", u, cues)
}

// Strict mapping still refuses what is not bound; uuid mapping takes the configured party.
func TestUnpairedUUIDModes(t *testing.T) {
	n := servertest.New(t, func(c *config.Config) { c.IdleTimeout = 10 * time.Second })
	for _, c := range []struct {
		mapping string
		party   event.Party
		open    bool
	}{
		{audiosocket.MapStrict, "", false},
		{audiosocket.MapUUID, event.Agent, true},
		{audiosocket.MapSuffix, event.Agent, true},
	} {
		as := audiosocket.New(audiosocket.Config{Admit: &ingest.Admitter{Registry: n.Registry}, Mapping: c.mapping, DefaultParty: c.party})
		if err := as.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		u := stockUUID()
		cl, err := audiosocket.Dial(as.Addr().String(), u)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.WaitCall(u, time.Second); got != c.open {
			t.Errorf("%s: call opened %v, want %v", c.mapping, got, c.open)
		}
		if c.open {
			w := servertest.Watch(t, n, u)
			_ = cl.WriteAudio(servertest.Tone(330, 0.02))
			_ = cl.Hangup()
			if _, err := w.WaitEnded(5 * time.Second); err != nil {
				t.Fatalf("%s: %v", c.mapping, err)
			}
			for _, ev := range w.Events() {
				if ev.Type == event.PartyJoined && ev.Party != c.party {
					t.Errorf("%s: party %s joined, want %s", c.mapping, ev.Party, c.party)
				}
			}
		}
		cl.Close()
		as.Close()
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
