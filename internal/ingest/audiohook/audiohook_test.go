package audiohook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/server/servertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

// secret is the client secret of the Genesys documentation example.
const secret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="

func signed(c *config.Config) { c.Telephony.AudioHookSecret = secret }

func wsURL(n *servertest.Node) string {
	return "ws" + strings.TrimPrefix(n.URL(), "http") + "/v1/media/audiohook"
}

type peer struct {
	id string
	c  *audiohook.Client
}

func (p *peer) CallID() string { return p.id }
func (p *peer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	frame := make([][]int16, len(ch))
	return ingesttest.PlayFrames(ctx, ch, on, func(_, i int, fr []int16) error {
		frame[i] = fr
		if i < len(ch)-1 {
			return nil
		}
		return p.c.Audio(frame...)
	})
}
func (p *peer) Hangup(ctx context.Context) error { return p.c.Close(ctx) }
func (p *peer) Vanish()                          {}

var convs atomic.Int64

func dial(ctx context.Context, n *servertest.Node, p audiohook.ClientParams) (*peer, error) {
	p.URL = wsURL(n)
	if p.APIKey == "" {
		p.APIKey = servertest.IntegratorToken
	}
	c, err := audiohook.Dial(ctx, p)
	if err != nil {
		return nil, err
	}
	n.T.Cleanup(c.Drop)
	conv := fmt.Sprintf("0000cafe-0000-4000-8000-%012d", convs.Add(1))
	if err := c.Open(ctx, conv, nil); err != nil {
		return nil, err
	}
	return &peer{id: conv, c: c}, nil
}

func TestContract(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "audiohook", Config: signed,
		Dial: func(ctx context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) {
			return dial(ctx, n, audiohook.ClientParams{ClientSecret: secret, OrganizationID: "org-1"})
		}})
}

// The example of the Genesys AudioHook documentation verifies byte for byte.
func TestSignatureGoldenVector(t *testing.T) {
	u, _ := url.Parse("wss://audiohook.example.com/api/v1/voicebiometrics/ws")
	h := http.Header{}
	h.Set("Audiohook-Organization-Id", "d7934305-0972-4844-938e-9060eef73d05")
	h.Set("Audiohook-Correlation-Id", "e160e428-53e2-487c-977d-96989bf5c99d")
	h.Set("Audiohook-Session-Id", "30b0e395-84d3-4570-ac13-9a62d8f514c0")
	h.Set("X-API-KEY", "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh")
	h.Set("Signature", "sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:")
	h.Set("Signature-Input", `sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430`)
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: u.Path}, Host: u.Host, Header: h}
	sec := []byte("MySuperSecretKeyTellNo-1!2@3#4$5")
	v := &audiohook.Verifier{Secret: sec}
	at := time.Unix(1641013200+10, 0)
	if err := v.Verify(req, at); err != nil {
		t.Fatalf("documented example rejected: %v", err)
	}
	if err := v.Verify(req, at.Add(time.Second)); err == nil || !strings.Contains(err.Error(), "nonce already used") {
		t.Errorf("replay: %v, want nonce already used", err)
	}
	if err := (&audiohook.Verifier{Secret: sec}).Verify(req, at.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an hour later: %v, want expired", err)
	}
	h.Set("Audiohook-Session-Id", "30b0e395-84d3-4570-ac13-9a62d8f514c1")
	if err := (&audiohook.Verifier{Secret: sec}).Verify(req, at); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("moved to another session: %v, want does not match", err)
	}
}

func TestRefusals(t *testing.T) {
	n := servertest.New(t, signed)
	ctx := context.Background()
	// Each refusal is a 401 before the upgrade.
	now := time.Now()
	for _, c := range []struct {
		name string
		p    audiohook.ClientParams
		want string
	}{
		{"no API key", audiohook.ClientParams{APIKey: "-", ClientSecret: secret}, "401"},
		{"unknown API key", audiohook.ClientParams{APIKey: "not-a-known-key", ClientSecret: secret}, "401"},
		{"unsigned", audiohook.ClientParams{}, "401"},
		{"forged (wrong secret)", audiohook.ClientParams{ClientSecret: "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="}, "401"},
		{"stale", audiohook.ClientParams{ClientSecret: secret, Now: func() time.Time { return now.Add(-time.Hour) }}, "401"},
		{"from the future", audiohook.ClientParams{ClientSecret: secret, Now: func() time.Time { return now.Add(time.Hour) }}, "401"},
	} {
		p := c.p
		if p.APIKey == "-" {
			p.APIKey = ""
		} else if p.APIKey == "" {
			p.APIKey = servertest.IntegratorToken
		}
		p.URL = wsURL(n)
		if p.APIKey == "" {
			// Dial would send an empty header; do the same by hand.
			_, resp, err := websocket.DefaultDialer.Dial(p.URL, nil)
			if err == nil || resp == nil || resp.StatusCode != 401 {
				t.Errorf("%s: %v %v, want 401", c.name, err, resp)
			}
			continue
		}
		if _, err := audiohook.Dial(ctx, p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	// Replay: the same signed headers twice; the second is refused.
	u, _ := url.Parse(wsURL(n))
	h, err := audiohook.SignedHeader(audiohook.ClientParams{APIKey: servertest.IntegratorToken, ClientSecret: secret,
		SessionID: "11111111-2222-4333-8444-555555555555"}, u)
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := websocket.DefaultDialer.Dial(u.String(), h)
	if err != nil {
		t.Fatalf("first use of a signature: %v", err)
	}
	first.Close()
	if _, resp, err := websocket.DefaultDialer.Dial(u.String(), h); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("replayed signature: %v %v, want 401", err, resp)
	}

	// Protocol errors after the upgrade close the socket with a reason.
	for _, c := range []struct {
		name, msg, want string
		binary          bool
	}{
		{"not JSON", "hello", "not a protocol message", false},
		{"Twilio JSON", `{"event":"start"}`, "version", false},
		{"audio before open", "\x7f\x7f", "audio before open", true},
		{"ping before open", `{"version":"2","type":"ping","seq":1,"id":"x","parameters":{}}`, "before open", false},
		{"no PCMU offered", `{"version":"2","type":"open","seq":1,"id":"x","parameters":{"conversationId":"c-1","media":[{"type":"audio","format":"L16","channels":["external"],"rate":16000}]}}`, "no supported media", false},
	} {
		p := audiohook.ClientParams{URL: wsURL(n), APIKey: servertest.IntegratorToken, ClientSecret: secret}
		hdr, _ := audiohook.SignedHeader(p, u)
		conn, _, err := websocket.DefaultDialer.Dial(p.URL, hdr)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		mt := websocket.TextMessage
		if c.binary {
			mt = websocket.BinaryMessage
		}
		_ = conn.WriteMessage(mt, []byte(c.msg))
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var got string
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				got += err.Error()
				break
			}
			got += string(b)
		}
		conn.Close()
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to mention %q", c.name, got, c.want)
		}
	}
	if l := n.Registry.Live(); l != 0 {
		t.Errorf("%d calls live after refusals", l)
	}
}

// ping/pong, pause/resume, odd frames and garbage inside a session; a connection probe
// opens no call.
func TestSessionMessages(t *testing.T) {
	n := servertest.New(t, signed)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	probe, err := audiohook.Dial(ctx, audiohook.ClientParams{URL: wsURL(n), APIKey: servertest.IntegratorToken, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := probe.Open(ctx, audiohook.ProbeConversation, nil); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if err := probe.Close(ctx); err != nil {
		t.Fatalf("probe close: %v", err)
	}
	if _, ok := n.Registry.Lookup(audiohook.ProbeConversation); ok {
		t.Error("a connection probe became a call")
	}

	p, err := dial(ctx, n, audiohook.ClientParams{ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if got := audiohook.Parties(p.c.Media); len(got) != 2 || got[0] != event.Customer || got[1] != event.Agent {
		t.Fatalf("negotiated %v", p.c.Media)
	}
	w := servertest.Watch(t, n, p.id)
	if err := p.c.Send(audiohook.TypePing, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.Wait(ctx, audiohook.TypePong); err != nil {
		t.Fatal(err)
	}
	_ = p.Play(ctx, ingesttest.StereoCall(0.5), nil)
	_ = p.c.Conn().WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}) // odd length for stereo
	_ = p.c.Conn().WriteMessage(websocket.TextMessage, []byte(`{"nonsense":true}`))
	_ = p.c.Send(audiohook.TypePaused, nil)
	_ = p.Play(ctx, ingesttest.StereoCall(0.5), nil) // not analysed
	_ = p.c.Send(audiohook.TypeResumed, nil)
	_ = p.Play(ctx, ingesttest.StereoCall(0.5), nil)
	if err := p.Hangup(ctx); err != nil {
		t.Fatalf("close transaction: %v", err)
	}
	ev, err := w.WaitEnded(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sum := ev.Data.(map[string]any)["summary"].(map[string]any)["parties"].(map[string]any)
	ms := sum["customer"].(map[string]any)["media_s"].(float64)
	if ms < 0.9 || ms > 1.2 {
		t.Errorf("customer media_s %.2f, want ≈ 1.0 (paused audio skipped, bad frame dropped)", ms)
	}
}
