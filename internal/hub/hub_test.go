package hub

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

func newTestHub(t *testing.T, cfg Config) (*Hub, *httptest.Server) {
	t.Helper()
	h := New(cfg, slog.New(slog.DiscardHandler), metrics.Discard())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := Subscription{Call: r.URL.Query().Get("call")}
		if r.URL.Query().Get("nowait") == "" {
			sub.WaitUntil = time.Now().Add(time.Minute) // the tests subscribe before the call's events
		}
		if r.URL.Query().Get("since") != "" {
			sub.Since = 2
		}
		if err := h.Serve(w, r, sub); errors.Is(err, ErrNoCall) {
			http.Error(w, "no such call", http.StatusNotFound)
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Errorf("hub close: %v", err)
		}
		srv.Close()
	})
	return h, srv
}

func publish(t *testing.T, h *Hub, seq uint64, typ string) {
	t.Helper()
	raw, err := event.Marshal(&event.Event{V: 1, Type: typ, Call: "c1", Seq: seq, Party: event.Customer})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(raw)
}

func dial(t *testing.T, srv *httptest.Server, query string, hdr http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/?"+query, hdr)
	if err != nil {
		t.Fatalf("dial: %v (resp %v)", err, resp)
	}
	return c
}

func TestReplaySinceAndLive(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	for s := uint64(1); s <= 4; s++ {
		publish(t, h, s, event.Level)
	}
	c := dial(t, srv, "call=c1&since=2", nil)
	defer c.Close()
	publish(t, h, 5, event.Emotion)
	var got []uint64
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < 3 {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v after %v", err, got)
		}
		var ev event.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Seq)
	}
	if got[0] != 3 || got[1] != 4 || got[2] != 5 {
		t.Fatalf("got seqs %v, want [3 4 5] (replay since 2, then live)", got)
	}
}

func TestSlowClientIsDisconnectedNotBlocking(t *testing.T) {
	h, srv := newTestHub(t, Config{QueueLen: 8, WriteTimeout: 200 * time.Millisecond})
	c := dial(t, srv, "call=c1", nil)
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // attached
	// The client never reads: socket buffers fill, then the queue, then the hub must kick it.
	big := strings.Repeat("x", 32<<10)
	start := time.Now()
	for s := uint64(1); s <= 2000; s++ {
		raw, _ := event.Marshal(&event.Event{V: 1, Type: event.Transcript, Call: "c1", Seq: s, Data: big})
		h.Publish(raw)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("publishing to a stalled client took %s: the pipeline was blocked", d)
	}
	waitClients(t, h, 0, 5*time.Second)
}

// A viewer that stops reading while a call's ordinary event stream flows — small events
// that socket buffers could absorb for minutes — is disconnected once its oldest queued
// event is older than MaxLag (it once stayed until the 60 s ping timeout), with a close
// code that tells it to reconnect with since=.
func TestStalledReaderIsDroppedAfterMaxLag(t *testing.T) {
	h, srv := newTestHub(t, Config{MaxLag: 300 * time.Millisecond, SendBuffer: 4096})
	c := dial(t, srv, "call=c1", nil)
	defer c.Close()
	if tc, ok := c.UnderlyingConn().(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096) // a stalled browser tab: its receive window fills
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	seq := uint64(0)
	for time.Since(start) < 3*time.Second && h.Stats().Clients > 0 {
		for _, typ := range []string{event.Level, event.Pitch, event.Emotion} {
			seq++
			raw, _ := event.Marshal(&event.Event{V: 1, Type: typ, Call: "c1", Seq: seq, Party: event.Customer,
				Data: strings.Repeat("y", 400)})
			h.Publish(raw)
		}
		time.Sleep(2 * time.Millisecond)
	}
	took := time.Since(start)
	if h.Stats().Clients != 0 {
		t.Fatalf("stalled reader still attached after %s of events", took)
	}
	t.Logf("stalled reader dropped after %s and %d events", took.Round(10*time.Millisecond), seq)
	// When it reads again it finds the socket closed (with 1013 "try again later" when the
	// close frame still fit into its full socket, else abnormally), not a live stream.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if isTimeout(err) {
				t.Fatalf("the dropped reader's socket is still open: %v", err)
			}
			t.Logf("reader sees: %v", err)
			break
		}
	}
}

// A call's history is swept on a timer once it has ended (it once waited for another
// call to end), and a subscription to a call the hub does not know creates nothing.
func TestEndedCallsAreSweptAndUnknownCallsCreateNothing(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h, srv := newTestHub(t, Config{HistoryTTL: time.Minute, Now: func() time.Time { return now }})
	for s := uint64(1); s <= 3; s++ {
		publish(t, h, s, event.Level)
	}
	end, _ := event.Marshal(&event.Event{V: 1, Type: event.CallEnded, Call: "c1", Seq: 4})
	h.Publish(end)
	if st := h.Stats(); st.Ended != 1 || st.Held != 4 {
		t.Fatalf("right after the end: %+v, want one ended call holding all 4 events", st)
	}
	now = now.Add(40 * time.Second)
	if n := h.Sweep(); n != 0 || h.Stats().Held != 1 {
		t.Fatalf("40 s after the end: removed %d, %+v; want the call kept with only call.ended", n, h.Stats())
	}
	now = now.Add(2 * time.Minute)
	if n := h.Sweep(); n != 1 || h.Stats().Topics != 0 {
		t.Fatalf("sweep removed %d, stats %+v", n, h.Stats())
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/?nowait=1&call=stored-long-ago", nil)
	if err == nil {
		t.Fatal("subscription to an unknown call was served")
	}
	_ = resp
	if st := h.Stats(); st.Topics != 0 {
		t.Fatalf("an unknown call's subscription created %d topics", st.Topics)
	}
}

func waitClients(t *testing.T, h *Hub, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for h.Stats().Clients != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients attached after %s, want %d", h.Stats().Clients, within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOriginCheck(t *testing.T) {
	_, srv := newTestHub(t, Config{AllowedOrigins: []string{"https://crm.example"}})
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/?call=c1"
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{srv.URL, true},
		{"https://crm.example", true},
		{"https://evil.example", false},
	} {
		hdr := http.Header{}
		if tc.origin != "" {
			hdr.Set("Origin", tc.origin)
		}
		c, resp, err := websocket.DefaultDialer.Dial(url, hdr)
		if (err == nil) != tc.ok {
			t.Errorf("origin %q: err %v, want ok=%v", tc.origin, err, tc.ok)
		}
		if err != nil && resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: status %d, want 403", tc.origin, resp.StatusCode)
		}
		if c != nil {
			c.Close()
		}
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
