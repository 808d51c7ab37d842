package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/loadgen"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// TestTwoNodesOverNATS is the multi-node path with real parts: a real NATS server, two
// nodes each on its own NATS bus, a WHIP call on node A, and a supervisor and a viewer of
// that call connected to node B only. B must see the call start, its live cues, its
// status and its end, as if it ran there.
func TestTwoNodesOverNATS(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(ns.Shutdown) // runs after both nodes' cleanups (registered later, run first)
	on := func(node string) func(*config.Config) {
		return func(c *config.Config) { c.NATS, c.Node = ns.ClientURL(), node }
	}
	a := newNode(t, on("a"))
	b := newNode(t, on("b"))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The supervisor is on node B before the call exists anywhere.
	wsURL := "ws" + strings.TrimPrefix(b.URL(), "http")
	sup, _, err := websocket.DefaultDialer.Dial(wsURL+"/v1/ws/calls?token="+supervisorTok, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sup.Close()

	const id = "cluster-call-1"
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: a.URL(), Token: integratorTok, Call: id,
		Parties: []event.Party{event.Customer}})
	if err != nil {
		t.Fatal(err)
	}
	_ = sup.SetReadDeadline(time.Now().Add(15 * time.Second))
	for started := false; !started; {
		_, msg, err := sup.ReadMessage()
		if err != nil {
			t.Fatalf("supervisor on node B never saw the call start on node A: %v", err)
		}
		var ev event.Event
		_ = json.Unmarshal(msg, &ev)
		started = ev.Type == event.CallStarted && ev.Call == id
	}
	// Node B serves the call it does not run: its details, and its live stream.
	req, _ := http.NewRequest(http.MethodGet, b.URL()+"/v1/calls/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+adminTok) // ?token= is for websockets only
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/calls/%s on node B: %s", id, res.Status)
	}
	if _, ok := b.Registry.Lookup(id); ok {
		t.Fatal("node B's registry runs the call too")
	}
	w := servertest.WatchAs(t, b, id, adminTok)
	if err := pub.Play(ctx, [][]int16{servertest.Tone(220, 2)}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitEnded(10 * time.Second); err != nil {
		t.Fatalf("node B's viewer: %v", err)
	}
	types := map[string]int{}
	var seq uint64
	for _, ev := range w.Events() {
		if ev.Seq <= seq {
			t.Fatalf("seq %d after %d: order lost between nodes", ev.Seq, seq)
		}
		seq = ev.Seq
		types[ev.Type]++
	}
	if types[event.Level] < 10 || types[event.Pitch] < 10 || types[event.CallEnded] != 1 {
		t.Fatalf("node B's viewer got %v; want live cues and one call.ended", types)
	}
	// The supervisor on B got the status updates of A's call (not its cues).
	statuses := 0
	for ended := false; !ended; {
		_, msg, err := sup.ReadMessage()
		if err != nil {
			t.Fatalf("supervisor stream: %v (statuses %d)", err, statuses)
		}
		var ev event.Event
		_ = json.Unmarshal(msg, &ev)
		switch {
		case ev.Call != id:
		case ev.Type == event.CallStatus:
			statuses++
		case ev.Type == event.CallEnded:
			ended = true
		case ev.Type == event.Level:
			t.Fatal("supervisor stream carried a level cue")
		}
	}
	if statuses == 0 {
		t.Error("supervisor on node B got no call.status for node A's call")
	}
	t.Logf("node B viewer: %v; supervisor statuses: %d", types, statuses)
}

// TestLoadgenWatchesAnotherNode: `loadgen --watch` sends the calls to node A and reads
// their cues from node B's websockets. The websocket token is known to node B only, so
// a loadgen that read the cues from A would have every call refused, and one that read
// them from B sees every onset cued across the bus.
func TestLoadgenWatchesAnotherNode(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(ns.Shutdown)
	const onlyB = "viewer-known-to-node-b-only"
	a := newNode(t, func(c *config.Config) { c.NATS, c.Node = ns.ClientURL(), "a" })
	b := newNode(t, func(c *config.Config) {
		c.NATS, c.Node = ns.ClientURL(), "b"
		c.Tokens += ",admin:" + onlyB
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := loadgen.Run(ctx, loadgen.Params{Server: a.URL(), Watch: b.URL(), Token: servertest.AdminToken,
		WSToken: onlyB, Calls: 1, Channels: loadgen.ToneBursts(4, 2)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep)
	if rep.Failed != 0 || rep.Onsets == 0 || rep.Matched != rep.Onsets-rep.Early-rep.Continued {
		t.Errorf("report %s: want every onset cued through node B", rep)
	}
	if rep.ServerCPUSeconds <= 0 || rep.WatchCPUSeconds <= 0 {
		t.Errorf("CPU: node A %.3f s, node B %.3f s; want both measured", rep.ServerCPUSeconds, rep.WatchCPUSeconds)
	}
}
