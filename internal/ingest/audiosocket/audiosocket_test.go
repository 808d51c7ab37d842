package audiosocket_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/server/servertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

func enable(c *config.Config) { c.AudioSocketAddr = "127.0.0.1:0" }

// callUUIDs returns a random call prefix and the customer (…0) and agent (…1) UUIDs of
// the default suffix mapping.
func callUUIDs() (call, customer, agent string) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	u := audiosocket.FormatUUID(b[:])
	call = u[:35]
	return call, call + "0", call + "1"
}

type peer struct {
	call  string
	conns []*audiosocket.Client
}

func (p *peer) CallID() string { return p.call }

func (p *peer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	return ingesttest.PlayFrames(ctx, ch, on, func(_, i int, frame []int16) error { return p.conns[i].WriteAudio(frame) })
}

func (p *peer) Hangup(context.Context) error {
	var errs []error
	for _, c := range p.conns {
		errs = append(errs, c.Hangup())
	}
	return errors.Join(errs...)
}

// Vanish keeps the sockets open but silent (a half-open TCP connection after a crash
// looks like this to the server).
func (p *peer) Vanish() {}

func dialPair(n *servertest.Node) (*peer, error) {
	addr := n.AudioSocket.Addr().String()
	callID, cu, ag := callUUIDs()
	p := &peer{call: callID}
	for _, u := range []string{cu, ag} {
		c, err := audiosocket.Dial(addr, u)
		if err != nil {
			return nil, err
		}
		n.T.Cleanup(func() { c.Close() })
		p.conns = append(p.conns, c)
	}
	return p, nil
}

func TestContract(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "audiosocket", Config: enable,
		Dial: func(_ context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) { return dialPair(n) }})
}

// A connection that closes without a hangup frame leaves at once (no idle wait).
func TestPeerCloseLeavesAtOnce(t *testing.T) {
	n := servertest.New(t, enable)
	p, err := dialPair(n)
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall(p.call, 5*time.Second) {
		t.Fatal("no call")
	}
	w := servertest.Watch(t, n, p.call)
	_ = p.Play(context.Background(), ingesttest.StereoCall(0.2), nil)
	start := time.Now()
	for _, c := range p.conns {
		c.Close()
	}
	ev, err := w.WaitEnded(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("ended %s after both sockets closed", d)
	}
	if r := ev.Data.(map[string]any)["reason"]; r != "hangup" {
		t.Errorf("reason %v, want hangup", r)
	}
}

// Bad input is refused with an error frame, and a good call running beside it is not
// disturbed.
func TestBadInputDoesNotDisturbOtherCalls(t *testing.T) {
	n := servertest.New(t, enable, func(c *config.Config) { c.IdleTimeout = 10 * time.Second })
	addr := n.AudioSocket.Addr().String()
	good, err := dialPair(n)
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall(good.call, 5*time.Second) {
		t.Fatal("no call")
	}
	w := servertest.Watch(t, n, good.call)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	played := make(chan error, 1)
	go func() { played <- good.Play(ctx, ingesttest.StereoCall(2), nil) }()

	_, badCall, _ := callUUIDs()
	u, _ := audiosocket.ParseUUID(badCall + "0")
	uuidFrame := slices.Clip(audiosocket.AppendFrame(nil, audiosocket.KindUUID, u[:])) // appends below copy
	cases := []struct {
		name string
		raw  []byte
		open bool // the call is opened before the bad frame
	}{
		{"audio before UUID", audiosocket.AppendFrame(nil, audiosocket.KindSlin, make([]byte, 320)), false},
		{"UUID of 15 bytes", audiosocket.AppendFrame(nil, audiosocket.KindUUID, make([]byte, 15)), false},
		{"truncated header", []byte{0x01, 0x00}, false},
		{"length that lies", append([]byte{0x01, 0x00, 0x10}, 1, 2, 3), false},
		{"unknown kind after UUID", append(uuidFrame, 0x42, 0, 0), true},
		{"odd audio length", append(uuidFrame, audiosocket.AppendFrame(nil, audiosocket.KindSlin, make([]byte, 321))...), true},
		{"oversized frame", append(uuidFrame, 0x10, 0xff, 0xfe), true},
		{"truncated audio", append(uuidFrame, 0x10, 0x01, 0x40, 0, 0, 0), true},
		{"HTTP instead", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		{"UUID not mapped to a party", audiosocket.AppendFrame(nil, audiosocket.KindUUID, []byte("0123456789abcdef")), false},
	}
	for _, c := range cases {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(c.raw); err != nil {
			t.Fatalf("%s: write: %v", c.name, err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite() // the lying length meets EOF
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		reply, err := io.ReadAll(conn)
		conn.Close()
		if !c.open {
			// Refused during the handshake: an error frame (kind 0xff) then close.
			if len(reply) < 3 || reply[0] != 0xff {
				t.Errorf("%s: reply %x (err %v), want an error frame", c.name, reply, err)
			}
		}
	}
	if err := <-played; err != nil {
		t.Fatalf("the good call was disturbed: %v", err)
	}
	if err := good.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := w.WaitEnded(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sum := ev.Data.(map[string]any)["summary"].(map[string]any)["parties"].(map[string]any)
	for _, p := range []string{"customer", "agent"} {
		if ms := sum[p].(map[string]any)["media_s"].(float64); ms < 1.8 {
			t.Errorf("good call %s media_s %.2f: audio lost while bad connections came and went", p, ms)
		}
	}
	// Every bad connection that opened a call ended it.
	deadline := time.Now().Add(3 * time.Second)
	for n.Registry.Live() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if l := n.Registry.Live(); l != 0 {
		t.Errorf("%d calls live after bad connections closed", l)
	}
}

// A registered binding overrides the UUID rule; an unregistered UUID with another last digit
// is refused in suffix mode.
func TestBindings(t *testing.T) {
	n := servertest.New(t, enable)
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[15] = 0x7a // last hex digit 'a': not a party by the suffix rule
	u := audiosocket.FormatUUID(b[:])
	if err := n.AudioSocket.Bind(audiosocket.Binding{UUID: u, Call: "bound-call-1", Party: event.Agent}); err != nil {
		t.Fatal(err)
	}
	c, err := audiosocket.Dial(n.AudioSocket.Addr().String(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !n.WaitCall("bound-call-1", 5*time.Second) {
		t.Fatal("bound call not opened")
	}
	w := servertest.Watch(t, n, "bound-call-1")
	_ = c.WriteAudio(servertest.Tone(330, 0.02))
	_ = c.Hangup()
	if _, err := w.WaitEnded(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	joined := ""
	for _, ev := range w.Events() {
		if ev.Type == event.PartyJoined {
			joined = string(ev.Party)
		}
	}
	if joined != "agent" {
		t.Errorf("party joined %q, want agent", joined)
	}
	for _, bad := range []audiosocket.Binding{{UUID: "nope", Call: "x", Party: event.Agent},
		{UUID: u, Call: "a b", Party: event.Agent}, {UUID: u, Call: "x", Party: "boss"}} {
		if err := n.AudioSocket.Bind(bad); err == nil {
			t.Errorf("binding %+v accepted", bad)
		}
	}
}

func ExampleFormatUUID() {
	u, _ := audiosocket.ParseUUID("4F2B8A36-1C9D-4E7A-9B3F-0D2C5E6A7B80")
	fmt.Println(audiosocket.FormatUUID(u[:]))
	// Output: 4f2b8a36-1c9d-4e7a-9b3f-0d2c5e6a7b80
}
