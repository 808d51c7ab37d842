package ingesttest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server"
)

// Tokens of every test node.
const (
	IntegratorToken = "integrator-test-token"
	AdminToken      = "admin-test-token-0001"
	// IdleTimeout of every test node: a vanished peer must end its call within it.
	IdleTimeout = 2 * time.Second
)

// Node is a real undertone node on loopback.
type Node struct {
	*server.Server
	T        testing.TB
	Recorder *Recorder
	Addr     string
	URL      string
}

// Recorder keeps the records written through call.Recorder (summaries).
type Recorder struct {
	mu    sync.Mutex
	Ended []call.Record
}

// CallStarted implements call.Recorder.
func (r *Recorder) CallStarted(context.Context, call.Record) error { return nil }

// CallEnded implements call.Recorder.
func (r *Recorder) CallEnded(_ context.Context, rec call.Record) error {
	r.mu.Lock()
	r.Ended = append(r.Ended, rec)
	r.mu.Unlock()
	return nil
}

// Records returns the ended records of id.
func (r *Recorder) Records(id string) []call.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call.Record
	for _, rec := range r.Ended {
		if rec.ID == id {
			out = append(out, rec)
		}
	}
	return out
}

// NewNode starts a node with mut applied to its config and stops it when the test ends.
func NewNode(t testing.TB, mut ...func(*config.Config)) *Node {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.IdleTimeout = IdleTimeout
	for _, f := range mut {
		if f != nil {
			f(&cfg)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.ParseTokens("integrator:" + IntegratorToken + ",admin:" + AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	var log *slog.Logger
	if os.Getenv("INGESTTEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	rec := &Recorder{}
	s, err := server.New(server.Options{Config: cfg, Auth: tokens, Recorder: rec, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ln); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
	})
	return &Node{Server: s, T: t, Recorder: rec, Addr: ln.Addr().String(), URL: s.URL()}
}

// WaitCall waits until call id is live (or has ended) and returns whether it appeared.
func (n *Node) WaitCall(id string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if _, ok := n.Registry.Lookup(id); ok {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// Tone returns seconds of a sine at hz, 8 kHz, at -12 dBFS.
func Tone(hz, seconds float64) []int16 {
	out := make([]int16, int(seconds*8000))
	for i := range out {
		out[i] = int16(0.25 * 32767 * math.Sin(2*math.Pi*hz*float64(i)/8000))
	}
	return out
}

// Watcher collects one call's events from its websocket until call.ended.
type Watcher struct {
	mu     sync.Mutex
	events []event.Event
	Ended  chan struct{}
	conn   *websocket.Conn
}

// Watch subscribes to a call's websocket (from its first event on).
func Watch(t testing.TB, n *Node, callID string) *Watcher {
	t.Helper()
	url := "ws" + strings.TrimPrefix(n.URL, "http") + "/v1/ws/calls/" + callID + "?token=" + AdminToken
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("websocket %s: %v (%v)", callID, err, resp)
	}
	w := &Watcher{Ended: make(chan struct{}), conn: c}
	go func() {
		defer close(w.Ended)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var ev event.Event
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Errorf("event is not JSON: %v: %s", err, b)
				return
			}
			w.mu.Lock()
			w.events = append(w.events, ev)
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); <-w.Ended })
	return w
}

// Events returns the events so far.
func (w *Watcher) Events() []event.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.events)
}

// WaitEnded waits for call.ended on the socket.
func (w *Watcher) WaitEnded(within time.Duration) (event.Event, error) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, ev := range w.Events() {
			if ev.Type == event.CallEnded {
				return ev, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return event.Event{}, fmt.Errorf("no call.ended within %s", within)
}
