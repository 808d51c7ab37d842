// Package servertest starts real undertone nodes for tests: the one constructor every
// test uses, so tests run the node main runs (server.Open), with a SQLite store in a
// temporary directory, the bundled models, loopback listeners and a known set of tokens.
package servertest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server"
	"github.com/undertone/undertone/internal/store"
)

// Tokens of every test node, one per role; the agent token is bound to agent A17 and the
// supervisor token to every team.
const (
	IntegratorToken = "integrator-test-token"
	AgentToken      = "agent-test-token-A17"
	AgentB02Token   = "agent-test-token-B02" // another agent, for scope tests
	AdminToken      = "admin-test-token-0001"
	SupervisorToken = "supervisor-test-token"
	BlueToken       = "supervisor-blue-token" // a supervisor of team blue only
	// OtherIntegratorToken is a second integrator, for ownership tests.
	OtherIntegratorToken = "integrator-two-token"
	// IdleTimeout of every test node: a vanished peer must end its call within it.
	IdleTimeout = 2 * time.Second
)

// Tokens is the UNDERTONE_TOKENS value of every test node.
const Tokens = "integrator:" + IntegratorToken + ",agent:" + AgentToken + ":A17,agent:" + AgentB02Token + ":B02,admin:" + AdminToken +
	",supervisor:" + SupervisorToken + ",supervisor:" + BlueToken + "::blue,integrator:" + OtherIntegratorToken

// Node is a real undertone node on loopback.
type Node struct {
	*server.Node
	T testing.TB
}

// Config returns the configuration test nodes start from: loopback on a free port, a
// fresh data directory, the test tokens, no embedded recogniser (tests that want one
// set ASR) and a short idle timeout.
func Config(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.IdleTimeout = IdleTimeout
	cfg.Tokens = Tokens
	cfg.ASR = "none"
	cfg.RetentionDays = 0
	cfg.DrainTimeout = 10 * time.Second
	return cfg
}

// New starts a node with mut applied to Config(t) and shuts it down when the test ends.
// SERVERTEST_LOG=1 sends the node's debug log to stderr.
func New(t testing.TB, mut ...func(*config.Config)) *Node {
	t.Helper()
	return NewWith(t, nil, mut...)
}

// NewWith is New with options for server.Open (e.g. a protocol of the test's own).
func NewWith(t testing.TB, opts []server.Option, mut ...func(*config.Config)) *Node {
	t.Helper()
	cfg := Config(t)
	for _, f := range mut {
		if f != nil {
			f(&cfg)
		}
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("SERVERTEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	n, err := server.Open(context.Background(), cfg, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := n.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
	})
	return &Node{Node: n, T: t}
}

// WS is the websocket base URL of the node (ws:// or wss://).
func (n *Node) WS() string { return "ws" + strings.TrimPrefix(n.URL(), "http") }

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

// Stored returns the call as the store holds it (its summary once it has ended).
func (n *Node) Stored(id string) (store.CallRecord, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return n.Store.GetCall(ctx, id)
}

// Listed returns call id as GET /v1/calls lists it to an admin, and fails the test when
// the listing does not have it.
func (n *Node) Listed(t testing.TB, id string) call.Info {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, n.URL()+"/v1/calls", nil)
	req.Header.Set("Authorization", "Bearer "+AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Calls []call.Info `json:"calls"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Calls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("call %s not in GET /v1/calls (%d calls)", id, len(out.Calls))
	return call.Info{}
}

// Tone returns seconds of a sine at hz, 8 kHz, at -12 dBFS.
func Tone(hz, seconds float64) []int16 {
	out := make([]int16, int(seconds*8000))
	for i := range out {
		out[i] = int16(0.25 * 32767 * math.Sin(2*math.Pi*hz*float64(i)/8000))
	}
	return out
}

// Watcher collects one call's events from its websocket until it closes.
type Watcher struct {
	mu     sync.Mutex
	events []event.Event
	Ended  chan struct{} // closed when the socket closes
	conn   *websocket.Conn
}

// Watch subscribes to a call's websocket as the admin (from its first event on).
func Watch(t testing.TB, n *Node, callID string) *Watcher {
	t.Helper()
	return WatchAs(t, n, callID, AdminToken)
}

// WatchAs subscribes to a call's websocket with token.
func WatchAs(t testing.TB, n *Node, callID, token string) *Watcher {
	t.Helper()
	url := n.WS() + "/v1/ws/calls/" + callID + "?token=" + token
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
	return w.WaitType(event.CallEnded, within)
}

// WaitType waits for the first event of type typ.
func (w *Watcher) WaitType(typ string, within time.Duration) (event.Event, error) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, ev := range w.Events() {
			if ev.Type == typ {
				return ev, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return event.Event{}, fmt.Errorf("no %s within %s", typ, within)
}
