package server_test

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// pion's package-level SRTP/DTLS helpers and net/http's keep-alive pool idle out on their own.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

const (
	integratorTok = servertest.IntegratorToken
	agentTok      = servertest.AgentToken
	adminTok      = servertest.AdminToken
	supervisorTok = servertest.SupervisorToken
)

// newNode starts a real node (server.Open) on a loopback port and stops it when the test ends.
func newNode(t *testing.T, mut ...func(*config.Config)) *servertest.Node {
	t.Helper()
	return servertest.New(t, mut...)
}

func TestWHIPToneCallEndToEnd(t *testing.T) {
	s := newNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Open the call first so the watcher sees everything from call.started on.
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: s.URL(), Token: integratorTok,
		Call: "tone-call-1", Parties: []event.Party{event.Customer}, Agent: "A17"}) // agent tokens see only their calls
	if err != nil {
		t.Fatal(err)
	}
	w := servertest.WatchAs(t, s, "tone-call-1", agentTok)
	audio := append(append(servertest.Tone(220, 1.5), make([]int16, 8000/2)...), servertest.Tone(330, 1.5)...)
	if err := pub.Play(ctx, [][]int16{audio}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the last hops reach the socket
	if err := pub.Close(ctx); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	if _, err := w.WaitEnded(10 * time.Second); err != nil {
		t.Fatalf("after DELETE: %v", err)
	}
	evs := w.Events()

	var seq uint64
	var pitches []float64
	types := map[string]int{}
	for _, ev := range evs {
		if ev.Seq <= seq {
			t.Fatalf("seq not increasing: %d after %d", ev.Seq, seq)
		}
		seq = ev.Seq
		types[ev.Type]++
		if ev.Type == event.Pitch && ev.Party == event.Customer {
			d := ev.Data.(map[string]any)
			if d["voiced"] == true {
				pitches = append(pitches, d["hz"].(float64))
			}
		}
	}
	if types[event.CallStarted] != 1 || types[event.CallEnded] != 1 {
		t.Fatalf("call.started %d, call.ended %d; want 1 each (types %v)", types[event.CallStarted], types[event.CallEnded], types)
	}
	if types[event.Level] < 20 || types[event.VAD] < 2 {
		t.Fatalf("too few live cues: %v", types)
	}
	if len(pitches) < 20 {
		t.Fatalf("only %d voiced pitch events", len(pitches))
	}
	t.Logf("events %v; %d voiced pitch events: first %.1f last %.1f", types, len(pitches), pitches[0], pitches[len(pitches)-1])
	// The tone goes 220 Hz then 330 Hz: every voiced estimate must be within 2 % of one of
	// them, the first ones of 220 and the last ones of 330.
	near := func(x, f float64) bool { return math.Abs(x-f) <= 0.02*f }
	for i, hz := range pitches {
		if !near(hz, 220) && !near(hz, 330) {
			t.Errorf("pitch event %d: %.1f Hz is neither 220 nor 330 ±2 %%", i, hz)
		}
	}
	if !near(pitches[0], 220) || !near(pitches[len(pitches)-1], 330) {
		t.Errorf("pitch went %.1f → %.1f, want 220 → 330", pitches[0], pitches[len(pitches)-1])
	}
	// The call is listed as ended with a summary, and no call is left live.
	last := evs[len(evs)-1]
	if last.Type != event.CallEnded {
		t.Fatalf("last event %s, want call.ended", last.Type)
	}
	sum := last.Data.(map[string]any)["summary"].(map[string]any)["parties"].(map[string]any)["customer"].(map[string]any)
	if ms := sum["media_s"].(float64); ms < 3 || ms > 4.5 {
		t.Errorf("summary media_s = %.2f, want ≈ 3.5", ms)
	}
	if n := s.Registry.Live(); n != 0 {
		t.Errorf("%d calls still live after DELETE", n)
	}
	if n := s.WHIP.Sessions(); n != 0 {
		t.Errorf("%d WHIP sessions left", n)
	}
}

func post(t *testing.T, url, token, ctype, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const videoOnlyOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"

func TestBadInputGetsClear4xx(t *testing.T) {
	s := newNode(t)
	whipURL := s.URL() + "/v1/whip"
	cases := []struct {
		name, url, token, ctype, body string
		want                          int
	}{
		{"no token", whipURL, "", "application/sdp", "v=0", http.StatusUnauthorized},
		{"bad token", whipURL, "wrong-token-123", "application/sdp", "v=0", http.StatusUnauthorized},
		{"agent may not ingest", whipURL, agentTok, "application/sdp", "v=0", http.StatusForbidden},
		{"wrong content type", whipURL, integratorTok, "application/json", "{}", http.StatusUnsupportedMediaType},
		{"malformed SDP", whipURL, integratorTok, "application/sdp", "this is not SDP", http.StatusBadRequest},
		{"video-only offer", whipURL, integratorTok, "application/sdp", videoOnlyOffer, http.StatusBadRequest},
		{"oversized body", whipURL, integratorTok, "application/sdp", strings.Repeat("a", 2<<20), http.StatusRequestEntityTooLarge},
		{"bad party", whipURL + "?party=boss", integratorTok, "application/sdp", videoOnlyOffer, http.StatusBadRequest},
		{"bad call id", whipURL + "?call=a%20b", integratorTok, "application/sdp", videoOnlyOffer, http.StatusBadRequest},
	}
	for _, c := range cases {
		resp, body := post(t, c.url, c.token, c.ctype, c.body)
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d (%s), want %d", c.name, resp.StatusCode, strings.TrimSpace(body), c.want)
		}
		if len(strings.TrimSpace(body)) == 0 {
			t.Errorf("%s: empty error body", c.name)
		}
	}
	// Websocket for a call that has not started: it is waited for (CTI gives the desktop
	// the id at ring time), so a plain GET gets the upgrader's 400; no token: 401.
	for _, c := range []struct {
		url  string
		want int
	}{
		{"/v1/ws/calls/no-such-call?token=" + agentTok, http.StatusBadRequest},
		{"/v1/ws/calls/no-such-call", http.StatusUnauthorized},
		{"/v1/whip/no-such-session", http.StatusNotFound},
	} {
		method := http.MethodGet
		if strings.HasPrefix(c.url, "/v1/whip") {
			method = http.MethodDelete
		}
		req, _ := http.NewRequest(method, s.URL()+c.url, nil)
		if method == http.MethodDelete {
			req.Header.Set("Authorization", "Bearer "+integratorTok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", method, c.url, resp.StatusCode, c.want)
		}
	}
	// Nothing was disturbed: no calls left open by the failures, and the node still serves.
	if n := s.Registry.Live(); n != 0 {
		t.Errorf("%d calls live after rejected offers", n)
	}
	resp, err := http.Get(s.URL() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after bad input: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestSupervisorSeesEveryCallWithoutCues(t *testing.T) {
	s := newNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var pubs []*whipclient.Publisher
	for i, id := range []string{"sup-a", "sup-b"} {
		pub, err := whipclient.Dial(ctx, whipclient.Params{Server: s.URL(), Token: integratorTok, Call: id,
			Parties: []event.Party{event.Customer}})
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, pub)
		go func() { _ = pub.Play(ctx, [][]int16{servertest.Tone(150+float64(i)*100, 4)}, nil) }()
	}
	time.Sleep(1500 * time.Millisecond)
	// Connect mid-call: the snapshot must bring both calls at once.
	url := "ws" + strings.TrimPrefix(s.URL(), "http") + "/v1/ws/calls?token=" + supervisorTok
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	started := map[string]bool{}
	status := map[string]int{}
	for len(started) < 2 || status["sup-a"] < 2 || status["sup-b"] < 2 {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v (started %v status %v)", err, started, status)
		}
		var ev event.Event
		_ = json.Unmarshal(b, &ev)
		switch ev.Type {
		case event.CallStarted:
			started[ev.Call] = true
		case event.CallStatus:
			status[ev.Call]++
		case event.Level, event.Pitch, event.VAD:
			t.Fatalf("supervisor stream carried a %s cue", ev.Type)
		}
	}
	// An agent token may not open the all-calls stream.
	if _, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL(), "http")+"/v1/ws/calls?token="+agentTok, nil); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("agent on the all-calls stream: %v (status %v)", err, resp.Status)
	}
	for _, p := range pubs {
		_ = p.Close(ctx)
	}
}
