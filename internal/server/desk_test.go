package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// CTI gives the desktop the call id at ring time, before the audio fork starts: a viewer
// subscribed then receives call.started and the call's cues once it starts; an agent the
// call is not routed to, waiting on the same id, is closed with 4403 and a reason and
// never receives one of its events.
func TestSubscribeBeforeTheCallStarts(t *testing.T) {
	n := servertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	own := servertest.WatchAs(t, n, "ring-1", servertest.AgentToken)
	other, _, err := websocket.DefaultDialer.Dial(n.WS()+"/v1/ws/calls/ring-1", http.Header{"Authorization": {"Bearer " + servertest.AgentB02Token}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherEvents := make(chan string, 100)
	otherClosed := make(chan error, 1)
	go func() {
		for {
			_, b, err := other.ReadMessage()
			if err != nil {
				otherClosed <- err
				return
			}
			otherEvents <- string(b)
		}
	}()
	time.Sleep(200 * time.Millisecond) // both are waiting now
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: integratorTok, Call: "ring-1",
		Parties: []event.Party{event.Customer}, Agent: "A17"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Play(ctx, [][]int16{servertest.Tone(220, 1)}, nil); err != nil {
		t.Fatal(err)
	}
	_ = pub.Close(ctx)
	if _, err := own.WaitEnded(10 * time.Second); err != nil {
		t.Fatalf("the assigned agent: %v", err)
	}
	types := map[string]int{}
	for _, ev := range own.Events() {
		types[ev.Type]++
	}
	if types[event.CallStarted] != 1 || types[event.Level] < 5 {
		t.Errorf("the waiting agent got %v; want call.started and its cues", types)
	}
	select {
	case err := <-otherClosed:
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != hub.CloseNotAllowed || !strings.Contains(ce.Text, "not assigned") {
			t.Errorf("the other agent was closed with %v, want %d and a reason", err, hub.CloseNotAllowed)
		}
	case <-time.After(5 * time.Second):
		t.Error("the other agent's wait was not closed when the call started")
	}
	if len(otherEvents) != 0 {
		t.Errorf("the other agent received %d of the call's events: %s", len(otherEvents), <-otherEvents)
	}
}

// The agent desk: one socket, opened at the start of the shift, gets every call routed
// to its agent as the calls come — one over WHIP, one over Twilio media streams — each
// from call.started to call.ended with its summary; another agent's call never shows.
func TestAgentDeskFollowsTheAgentsCalls(t *testing.T) {
	n := servertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	desk, _, err := websocket.DefaultDialer.Dial(n.WS()+"/v1/ws/agent", http.Header{"Authorization": {"Bearer " + servertest.AgentToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	type seen struct{ started, ended, cues int }
	got := map[string]*seen{}
	var summaries []*event.Summary
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, b, err := desk.ReadMessage()
			if err != nil {
				return
			}
			var ev event.Event
			_ = json.Unmarshal(b, &ev)
			if got[ev.Call] == nil {
				got[ev.Call] = &seen{}
			}
			switch ev.Type {
			case event.CallStarted:
				got[ev.Call].started++
			case event.CallEnded:
				got[ev.Call].ended++
				var d struct {
					Data event.CallInfo `json:"data"`
				}
				_ = json.Unmarshal(b, &d)
				summaries = append(summaries, d.Data.Summary)
				if got["desk-whip"] != nil && got["desk-twilio"] != nil && got["desk-twilio"].ended > 0 {
					return
				}
			case event.Level:
				got[ev.Call].cues++
			}
		}
	}()
	// Another agent's call, at the same time as the first.
	otherPub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: integratorTok, Call: "desk-other",
		Parties: []event.Party{event.Customer}, Agent: "B02"})
	if err != nil {
		t.Fatal(err)
	}
	defer otherPub.Close(ctx)
	go func() { _ = otherPub.Play(ctx, [][]int16{servertest.Tone(300, 3)}, nil) }()

	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: integratorTok, Call: "desk-whip",
		Parties: []event.Party{event.Customer}, Agent: "A17"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Play(ctx, [][]int16{servertest.Tone(220, 1.5)}, nil); err != nil {
		t.Fatal(err)
	}
	_ = pub.Close(ctx)

	tw, err := twilio.Dial(ctx, n.WS()+"/v1/media/twilio", servertest.IntegratorToken)
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	if err := tw.Start("CAdesk", "MZdesk", []string{"inbound", "outbound"}, map[string]string{"call": "desk-twilio", "agent": "A17"}); err != nil {
		t.Fatal(err)
	}
	stereo := [][]int16{servertest.Tone(220, 1.5), servertest.Tone(330, 1.5)}
	if err := ingest.PlayFrames(ctx, stereo, nil, func(_, i int, fr []int16) error {
		return tw.Media([]string{"inbound", "outbound"}[i], fr)
	}); err != nil {
		t.Fatal(err)
	}
	_ = tw.Stop()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("the desk did not see both calls end: %+v", got)
	}
	for _, id := range []string{"desk-whip", "desk-twilio"} {
		if s := got[id]; s == nil || s.started != 1 || s.ended != 1 || s.cues < 5 {
			t.Errorf("%s on the desk: %+v; want started, cues, ended", id, s)
		}
	}
	if got["desk-other"] != nil {
		t.Errorf("agent B02's call reached agent A17's desk: %+v", got["desk-other"])
	}
	for i, s := range summaries {
		if s == nil || s.DurationS <= 0 || len(s.Parties) == 0 {
			t.Errorf("call %d ended without a summary: %+v", i, s)
		}
	}
}
