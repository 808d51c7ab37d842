package hub

import (
	"context"
	"encoding/json"
	"log/slog"
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
		if r.URL.Query().Get("since") != "" {
			sub.Since = 2
		}
		_ = h.Serve(w, r, sub)
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
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		n := len(h.calls["c1"].clients)
		h.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stalled client still attached after 5 s")
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
