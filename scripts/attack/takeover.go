package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

func randomID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// callTakeover: integrator A opens a WHIP call; integrator B tries to push a transcript
// into it, delete A's session, join it as a party, and — once it has ended — open a new
// call with its id (which moved the stored call to B's agent and team: issue 12 #1).
func callTakeover(ctx context.Context, e *env, r *result) {
	id := randomID("takeover-")
	a, err := whipclient.Dial(ctx, whipclient.Params{Server: e.base, Token: e.integ, Call: id,
		Parties: []event.Party{event.Customer}, Agent: "A-orig", Meta: map[string]string{"team": "red"}})
	if err != nil {
		r.skipped = "integrator A could not open a WHIP call: " + err.Error()
		return
	}
	defer a.Close(context.Background())

	r.tried++
	if code, _, _ := e.do(ctx, req{method: "POST", path: "/v1/calls/" + id + "/transcript", token: e.integ2,
		ctype: "application/json", body: `{"party":"agent","start":1,"end":2,"text":"B speaks for A's agent"}`}); code == http.StatusAccepted {
		r.bypasses++
		r.note("B pushed a transcript into A's live call (202)")
	}
	r.tried++
	if u, err := url.Parse(a.Location()); err == nil {
		if code, _, _ := e.do(ctx, req{method: "DELETE", path: u.Path, token: e.integ2}); code == http.StatusOK || code == http.StatusNoContent {
			r.bypasses++
			r.note("B deleted A's WHIP session (%d)", code)
		}
	}
	r.tried++
	if b, err := whipclient.Dial(ctx, whipclient.Params{Server: e.base, Token: e.integ2, Call: id,
		Parties: []event.Party{event.Agent}}); err == nil {
		if b.Call() == id {
			r.bypasses++
			r.note("B joined A's live call as a party")
		}
		b.Close(context.Background())
	}
	_ = a.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, ok := e.callInfo(ctx, id); ok && c.State != "live" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.tried++
	if b, err := whipclient.Dial(ctx, whipclient.Params{Server: e.base, Token: e.integ2, Call: id,
		Parties: []event.Party{event.Customer}, Agent: "B-evil", Meta: map[string]string{"team": "blue"}}); err == nil {
		if b.Call() == id {
			r.bypasses++
			r.note("B opened a new call with the ended call's id (want 409 or a new id)")
		}
		b.Close(context.Background())
	}
	time.Sleep(500 * time.Millisecond)
	if c, ok := e.callInfo(ctx, id); ok && (c.Agent != "A-orig" || c.Team != "red") {
		r.bypasses++
		r.note("the stored call now belongs to agent %q, team %q", c.Agent, c.Team)
	}
}

type callJSON struct {
	ID, State, Agent, Team string
}

func (e *env) callInfo(ctx context.Context, id string) (callJSON, bool) {
	code, body, _ := e.do(ctx, req{path: "/v1/calls/" + id, token: e.admin})
	if code != http.StatusOK {
		return callJSON{}, false
	}
	var c callJSON
	return c, json.Unmarshal([]byte(body), &c) == nil
}
