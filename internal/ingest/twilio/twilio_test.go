package twilio_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/server/servertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

func wsURL(n *servertest.Node) string {
	return "ws" + strings.TrimPrefix(n.URL(), "http") + "/v1/media/twilio"
}

type peer struct {
	id string
	c  *twilio.Client
}

func (p *peer) CallID() string { return p.id }
func (p *peer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	tracks := []string{"inbound", "outbound"}
	return ingesttest.PlayFrames(ctx, ch, on, func(_, i int, fr []int16) error { return p.c.Media(tracks[i], fr) })
}
func (p *peer) Hangup(context.Context) error { return p.c.Stop() }
func (p *peer) Vanish()                      {}

var sids atomic.Int64

// dial starts a stream the way Twilio does: no header, the token as a custom parameter.
func dial(ctx context.Context, n *servertest.Node, id string, params map[string]string) (*peer, error) {
	c, err := twilio.Dial(ctx, wsURL(n), "")
	if err != nil {
		return nil, err
	}
	n.T.Cleanup(func() { c.Close() })
	k := sids.Add(1)
	if params == nil {
		params = map[string]string{"token": servertest.IntegratorToken}
	}
	callSid := fmt.Sprintf("CA%032d", k)
	if err := c.Start(callSid, fmt.Sprintf("MZ%032d", k), []string{"inbound", "outbound"}, params); err != nil {
		return nil, err
	}
	if id == "" {
		id = callSid
	}
	return &peer{id: id, c: c}, nil
}

func TestContract(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "twilio",
		Dial: func(ctx context.Context, n *servertest.Node, _ string) (ingesttest.Peer, error) {
			return dial(ctx, n, "", nil)
		}})
}

// closeReason reads until the server closes the socket and returns its close error.
func closeReason(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return err.Error()
		}
	}
}

func TestRefusals(t *testing.T) {
	n := servertest.New(t, func(c *config.Config) { c.Telephony.MaxCallsPerToken = 1 })
	ctx := context.Background()

	raw := func(msgs ...string) string {
		conn, _, err := websocket.DefaultDialer.Dial(wsURL(n), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, m := range msgs {
			_ = conn.WriteMessage(websocket.TextMessage, []byte(m))
		}
		return closeReason(t, conn)
	}
	start := func(tok, enc string, tracks string) string {
		return `{"event":"start","sequenceNumber":"1","start":{"callSid":"CA1","streamSid":"MZ1","tracks":` + tracks +
			`,"customParameters":{"token":"` + tok + `"},"mediaFormat":{"encoding":"` + enc + `","sampleRate":8000,"channels":1}}}`
	}
	for _, c := range []struct {
		name, want string
		msgs       []string
	}{
		{"not JSON", "not a media-stream", []string{"hello"}},
		{"JSON that is not the protocol", "not a media-stream", []string{`{"type":"open","version":"2"}`}},
		{"media before start", "before start", []string{`{"event":"media","media":{"track":"inbound","payload":""}}`}},
		{"no token", "not authenticated", []string{start("", "audio/x-mulaw", `["inbound"]`)}},
		{"wrong token", "not authenticated", []string{start("wrong-token-xyz", "audio/x-mulaw", `["inbound"]`)}},
		{"L16 media", "unsupported media format", []string{start(servertest.IntegratorToken, "audio/l16", `["inbound"]`)}},
		{"unknown track", "track", []string{start(servertest.IntegratorToken, "audio/x-mulaw", `["sideways"]`)}},
		{"silence", "i/o timeout", nil},
	} {
		if got := raw(c.msgs...); !strings.Contains(got, c.want) {
			t.Errorf("%s: closed with %q, want it to mention %q", c.name, got, c.want)
		}
	}
	// A header token that is wrong is refused before the upgrade.
	if _, err := twilio.Dial(ctx, wsURL(n), "wrong-token-xyz"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad bearer token: %v, want 401", err)
	}

	// Per-token limit: the second concurrent stream is refused; the first is unaffected.
	first, err := dial(ctx, n, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall(first.id, 5*time.Second) {
		t.Fatal("first call not opened")
	}
	w := servertest.Watch(t, n, first.id)
	second, err := dial(ctx, n, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := closeReason(t, second.c.Conn()); !strings.Contains(got, "too many") {
		t.Errorf("second stream: %q, want too many", got)
	}
	// Garbage inside a live stream is skipped (logged once), audio keeps flowing.
	done := make(chan error, 1)
	go func() { done <- first.Play(ctx, ingesttest.StereoCall(1), nil) }()
	for _, m := range []string{"{", `{"event":"media","media":{"track":"inbound","chunk":"9","payload":"!!!"}}`,
		`{"event":"bogus"}`, `{"event":"mark","mark":{"name":"m1"}}`} {
		if err := first.c.SendRaw([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("good stream disturbed: %v", err)
	}
	_ = first.Hangup(ctx)
	ev, err := w.WaitEnded(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sum := ev.Data.(map[string]any)["summary"].(map[string]any)["parties"].(map[string]any)
	if ms := sum["customer"].(map[string]any)["media_s"].(float64); ms < 0.9 {
		t.Errorf("customer media_s %.2f after garbage, want ≈ 1", ms)
	}
}

// The call id and agent come from custom parameters when given.
func TestCustomParameters(t *testing.T) {
	n := servertest.New(t)
	p, err := dial(context.Background(), n, "my-call-42", map[string]string{
		"token": servertest.IntegratorToken, "call": "my-call-42", "agent": "A17"})
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall("my-call-42", 5*time.Second) {
		t.Fatal("call id from customParameters not used")
	}
	if in, _ := n.Registry.Lookup("my-call-42"); in.Agent != "A17" {
		t.Errorf("agent %q, want A17", in.Agent)
	}
	_ = p.Hangup(context.Background())
}
