package api

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/store"
)

// openLive starts a call in the registry (and so in the store) assigned to agent in team.
func (n *node) openLive(id, agent, team string) *call.Call {
	n.t.Helper()
	c, _, err := n.reg.Open(call.OpenParams{ID: id, Source: "test", Agent: agent, Meta: map[string]string{"team": team}})
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

func TestLiveCallsAreScoped(t *testing.T) {
	n := newNode(t)
	red := n.openLive("live-red", "A17", "red")
	blue := n.openLive("live-blue", "B02", "blue")
	if _, err := red.Join(event.Customer, "pcmu"); err != nil {
		t.Fatal(err)
	}
	code, body := n.get("/v1/calls?state=live", "sup-red")
	if got := ids(t, body); code != 200 || !slices.Equal(got, []string{"live-red"}) {
		t.Fatalf("sup-red live calls: %d %v", code, got)
	}
	// The listing shows the live call as memory knows it: the customer has joined.
	if !strings.Contains(body, `"parties":["customer"]`) || !strings.Contains(body, `"state":"live"`) {
		t.Errorf("live overlay: %s", body)
	}
	if code, _ := n.get("/v1/calls/live-red", "agent-B02"); code != 403 {
		t.Errorf("other agent on a live call: %d", code)
	}
	if code, _ := n.get("/v1/calls/live-blue", "sup-red"); code != 403 {
		t.Errorf("supervisor of red on a blue call: %d", code)
	}
	if got := n.dialWS("/v1/ws/calls/live-blue", "sup-red"); got != 403 {
		t.Errorf("sup-red websocket on a blue call: %d", got)
	}

	// The all-calls stream of a team-bound supervisor carries only their teams' calls,
	// in the snapshot and afterwards.
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/v1/ws/calls?token=" + url.QueryEscape(n.tok["sup-red"])
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	late := n.openLive("late-blue", "B02", "blue")
	lateRed := n.openLive("late-red", "A17", "red")
	go func() { late.End("hangup"); lateRed.End("hangup"); blue.End("hangup") }()
	seen := map[string]bool{}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !seen["late-red"+event.CallEnded] {
		_, b, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v (seen %v)", err, seen)
		}
		var ev event.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		seen[ev.Call+ev.Type] = true
		if ev.Call != "live-red" && ev.Call != "late-red" {
			t.Fatalf("sup-red got %s of %s", ev.Type, ev.Call)
		}
	}
	if !seen["live-red"+event.CallStarted] {
		t.Errorf("snapshot lacked live-red: %v", seen)
	}
}

// A viewer that connects to a live call before its call.started has reached the hub — it
// connected as the call opened, or the call runs on another node and its events come over
// the bus — waits for it. It was once told the call had ended (a call.ended without a
// summary, then 4410) because the hub did not hold the call yet.
func TestLiveCallNotYetOnTheHubIsWaitedFor(t *testing.T) {
	var h *hub.Hub
	n := newNode(t, func(p *Params) { h = p.Hub })
	ctx := context.Background()
	started := time.Now()
	if err := n.st.CallStarted(ctx, store.CallRecord{ID: "c-remote", Source: "whip", State: "live", StartedAt: started,
		Parties: []string{"customer"}}); err != nil {
		t.Fatal(err)
	}
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/v1/ws/calls/c-remote?token=" + url.QueryEscape(n.tok["admin"])
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // the viewer is in before the call's first event
	raw, err := event.Marshal(&event.Event{V: event.Version, Type: event.CallStarted, Call: "c-remote", Seq: 1,
		TS: started.UnixMilli(), Data: &event.CallStartedData{Source: "whip", StartedAt: started.UnixMilli()}})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(raw)
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, b, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("no event: %v", err)
	}
	var ev event.Event
	if err := json.Unmarshal(b, &ev); err != nil || ev.Type != event.CallStarted {
		t.Fatalf("first event %s (%v), want call.started", b, err)
	}
}
