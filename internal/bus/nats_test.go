package bus

import (
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/event"
)

// startNATS runs a real NATS server in this process on a free loopback port.
func startNATS(t *testing.T) *natsserver.Server {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// noLeaks checks, after the NATS server is shut down, that nothing of ours is left running.
// Registered before startNATS, so it runs after the server's cleanup.
func noLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// collector records what a subscriber saw.
type collector struct {
	mu   sync.Mutex
	seen []event.Raw
}

func (c *collector) add(r event.Raw) { c.mu.Lock(); c.seen = append(c.seen, r); c.mu.Unlock() }
func (c *collector) n() int          { c.mu.Lock(); defer c.mu.Unlock(); return len(c.seen) }
func (c *collector) all() []event.Raw {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event.Raw(nil), c.seen...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustRaw(t *testing.T, call string, seq uint64) event.Raw {
	t.Helper()
	raw, err := event.Marshal(&event.Event{V: event.Version, Type: event.Level, Call: call, Seq: seq,
		Party: event.Customer, Data: event.LevelData{DBFS: -20}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestNATSSpreadsEventsOnceInOrder(t *testing.T) {
	noLeaks(t)
	srv := startNATS(t)
	a, err := DialNATS(NATSConfig{URL: srv.ClientURL(), Node: "a", Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := DialNATS(NATSConfig{URL: srv.ClientURL(), Node: "b", Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	var aAll, aOwn, bAll, bOwn collector
	a.Subscribe(aAll.add)
	a.Own().Subscribe(aOwn.add)
	b.Subscribe(bAll.add)
	b.Own().Subscribe(bOwn.add)

	const n = 500
	for i := 1; i <= n; i++ {
		a.Publish(mustRaw(t, "call-a", uint64(i)))
	}
	b.Publish(mustRaw(t, "call-b", 1))
	waitFor(t, "node b to receive node a's events", func() bool { return bAll.n() == n+1 })
	waitFor(t, "node a to receive node b's event", func() bool { return aAll.n() == n+1 })
	time.Sleep(50 * time.Millisecond) // an echo of a node's own events would arrive by now

	if got := aAll.n(); got != n+1 {
		t.Errorf("node a saw %d events, want %d (its own once, b's one)", got, n+1)
	}
	if got := aOwn.n(); got != n {
		t.Errorf("node a's own subscribers saw %d events, want only its %d", got, n)
	}
	if got := bOwn.n(); got != 1 {
		t.Errorf("node b's own subscribers saw %d events, want only its 1", got)
	}
	var seq uint64
	for _, r := range bAll.all() {
		if r.Call != "call-a" {
			continue
		}
		if r.Seq != seq+1 || r.Type != event.Level || r.Party != event.Customer {
			t.Fatalf("node b got %s seq %d party %s after seq %d: order or header lost", r.Type, r.Seq, r.Party, seq)
		}
		seq = r.Seq
	}
	if st := a.Stats(); st.Sent != n || st.Dropped != 0 {
		t.Errorf("node a stats %+v, want %d sent and none dropped", st, n)
	}
}

func TestNATSIgnoresMalformedMessages(t *testing.T) {
	noLeaks(t)
	srv := startNATS(t)
	b, err := DialNATS(NATSConfig{URL: srv.ClientURL(), Node: "b", Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var got collector
	b.Subscribe(got.add)

	// Something else on the subject: not JSON, JSON without a call, a huge garbage body.
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, body := range [][]byte{[]byte("not json"), []byte(`{"type":"level"}`), make([]byte, 100_000), nil} {
		if err := nc.Publish("undertone.events", body); err != nil {
			t.Fatal(err)
		}
	}
	good := mustRaw(t, "call-x", 7)
	if err := nc.Publish("undertone.events", good.Body); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the good event after the bad ones", func() bool { return got.n() == 1 })
	if st := b.Stats(); st.Malformed != 4 || st.Received != 1 {
		t.Errorf("stats %+v, want 4 malformed and 1 received", st)
	}
	if r := got.all()[0]; r.Call != "call-x" || r.Seq != 7 {
		t.Errorf("got %+v", r)
	}
}

func TestNATSDialErrors(t *testing.T) {
	for _, cfg := range []NATSConfig{
		{Node: "a"},
		{URL: "nats://127.0.0.1:1", Node: ""},
		{URL: "nats://user:secret@127.0.0.1:1", Node: "a"}, // nothing listens on port 1
	} {
		_, err := DialNATS(cfg)
		if err == nil {
			t.Errorf("%+v: no error", cfg)
			continue
		}
		if got := err.Error(); strings.Contains(got, "secret") {
			t.Errorf("error leaks the password: %s", got)
		}
	}
}

// TestNATSPublishAfterClose: a call still ending while the node shuts down must not panic.
func TestNATSPublishAfterClose(t *testing.T) {
	srv := startNATS(t)
	a, err := DialNATS(NATSConfig{URL: srv.ClientURL(), Node: "a", Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a.Publish(mustRaw(t, "late", 1))
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
