package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/twilio"
)

// deskState is what the agent desk shows: its tabs and, per call view, what a person sees.
type deskState struct {
	Conn  string `json:"conn"`
	Idle  bool   `json:"idle"`
	Agent string `json:"agent"`
	Tabs  []struct {
		Call     string `json:"call"`
		State    string `json:"state"`
		Selected bool   `json:"selected"`
	} `json:"tabs"`
	Views []deskView `json:"views"`
}

type deskView struct {
	Call       string   `json:"call"`
	Hidden     bool     `json:"hidden"`
	State      string   `json:"state"`
	Count      int      `json:"count"`
	Spoke      bool     `json:"spoke"`
	Emotion    string   `json:"emotion"`
	Summary    bool     `json:"summary"`
	Reason     string   `json:"reason"`
	ReasonText string   `json:"reasonText"`
	Arc        int      `json:"arc"`
	Intents    []string `json:"intents"`
	Needs      []string `json:"needs"`
	Hints      []string `json:"hints"`
	LiveHints  int      `json:"liveHints"`
	Transcript []string `json:"transcript"`
}

const deskProbe = `(() => {
	const q = (v, s) => v.querySelector(s);
	const all = (v, s) => [...v.querySelectorAll(s)];
	return {
		conn: document.querySelector('[data-testid="conn-state"]').dataset.state,
		idle: !document.getElementById('desk-idle').hidden,
		agent: document.body.dataset.desk || '',
		tabs: all(document, '[data-testid="desk-tab"]').map((b) => ({ call: b.dataset.call, state: b.dataset.state,
			selected: b.getAttribute('aria-selected') === 'true' })),
		views: all(document, '#views > .callview').map((v) => ({
			call: v.dataset.viewCall, hidden: v.hidden,
			state: q(v, '[data-role="call-state"]').dataset.state,
			count: Number(q(v, '[data-role="event-count"]').textContent),
			spoke: q(v, '[data-party-panel="customer"]').dataset.spoke === 'true',
			emotion: q(v, '[data-testid="customer-emotion"]').dataset.top,
			summary: !q(v, '[data-role="summary"]').hidden,
			reason: (q(v, '[data-testid="sum-reason"]') || { dataset: {} }).dataset.reason || '',
			reasonText: (q(v, '[data-testid="sum-reason"]') || {}).textContent || '',
			arc: all(v, '[data-testid="sum-arc"] canvas').length,
			intents: all(v, '[data-testid="sum-intents"] li').map((l) => l.dataset.id),
			needs: all(v, '[data-testid="sum-needs"] li').map((l) => l.dataset.id),
			hints: all(v, '[data-testid="sum-hints"] li').map((l) => l.dataset.feedback),
			liveHints: all(v, '[data-testid="hint"]').length,
			transcript: all(v, '[data-role="transcript"] li').map((l) => l.dataset.segment),
		})),
	};
})()`

func (d deskState) view(call string) *deskView {
	for i := range d.Views {
		if d.Views[i].Call == call {
			return &d.Views[i]
		}
	}
	return nil
}

func (d deskState) calls() []string {
	var out []string
	for _, v := range d.Views {
		out = append(out, v.Call)
	}
	for _, tb := range d.Tabs {
		if !slices.Contains(out, tb.Call) {
			out = append(out, tb.Call)
		}
	}
	return out
}

func (d deskState) selected() string {
	for _, tb := range d.Tabs {
		if tb.Selected {
			return tb.Call
		}
	}
	return ""
}

// waitDesk polls the desk until ok says yes; on timeout it saves a screenshot and fails.
func waitDesk(t *testing.T, b *browser, tab context.Context, what string, within time.Duration, ok func(deskState) bool) deskState {
	t.Helper()
	var last deskState
	for end := time.Now().Add(within); ; time.Sleep(250 * time.Millisecond) {
		js, err := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify(`+deskProbe+`)`))
		if err == nil {
			last = deskState{}
			_ = json.Unmarshal([]byte(js), &last)
			if ok(last) {
				return last
			}
		}
		if time.Now().After(end) {
			b.shot(t, tab, "desk-timeout-"+strings.ReplaceAll(what, " ", "-")+".png")
			b.dump(t)
			t.Fatalf("desk: %s: not within %s (%v); desk shows %+v", what, within, err, last)
		}
	}
}

// TestBrowserAgentDesk: agent A17 opens the desk once. Two calls are routed to A17 one after
// another — one over WHIP, one over Twilio media streams — and each appears by itself,
// updates live and ends with its after-call summary, without a reload; a consult call
// overlapping the second gets its own tab and view and nothing of either leaks into the
// other. Agent B02's desk, open all along, shows only B02's own call, and A17's never
// shows it.
func TestBrowserAgentDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	if miss := missingTools(); len(miss) > 0 {
		skipLoudly(t, "missing "+strings.Join(miss, ", "))
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	srv := startServer(t)
	speech := speech8k(ctx, t)
	b := newBrowser(ctx, t, speechWAV(ctx, t, t.TempDir()))

	open := func(name, token string, agent ...string) context.Context {
		tab, closeTab := chromedp.NewContext(b.ctx)
		t.Cleanup(closeTab)
		b.console(tab, name)
		q := url.Values{"token": {token}, "lang": {"en"}}
		if len(agent) > 0 {
			q.Set("agent", agent[0])
		}
		must(t, "open "+name, chromedp.Do(tab,
			chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(srv.URL+"/agent.html?"+q.Encode()),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="desk"]`)),
		))
		return tab
	}
	a17 := open("desk-a17", agentA17Token)
	b02 := open("desk-b02", agentB02Token)
	sup := open("desk-supervisor", supervisorToken, "A17") // a supervisor watching A17's desk, read-only
	for _, tab := range []context.Context{a17, b02, sup} {
		waitDesk(t, b, tab, "open and idle", 15*time.Second, func(d deskState) bool { return d.Conn == "open" && d.Idle && len(d.Tabs) == 0 })
	}
	b.shot(t, a17, "desk-idle.png")

	stamp := time.Now().UnixNano() % 1e9
	c1, c2, c3, other := fmt.Sprintf("desk-whip-%d", stamp), fmt.Sprintf("desk-twilio-%d", stamp),
		fmt.Sprintf("desk-consult-%d", stamp), fmt.Sprintf("desk-b02-%d", stamp)
	onlyB02 := func(d deskState) bool {
		for _, c := range d.calls() {
			if c != other {
				return false
			}
		}
		return true
	}
	checkB02 := func(when string) {
		t.Helper()
		d := waitDesk(t, b, b02, "B02 sees only its own call", 5*time.Second, func(d deskState) bool { return d.Agent == "B02" })
		if !onlyB02(d) {
			t.Errorf("%s: agent B02's desk shows %v; want only %s", when, d.calls(), other)
		}
	}

	// Call 1, over WHIP, with the integrator's transcript: intents, needs and a hint.
	hang1 := publish(ctx, t, srv, c1, "A17", speech)
	hangOther := publish(ctx, t, srv, other, "B02", speech[:8000*6])
	defer hangOther()
	tr := srv.URL + "/v1/calls/" + c1 + "/transcript"
	for i, body := range []string{
		`{"party":"customer","segment":"s1","start":1,"end":3,"text":"goedemiddag ik bel over mijn factuur die is veel te hoog","final":true,"lang":"nl"}`,
		`{"party":"agent","segment":"a1","start":3.5,"end":5,"text":"dat spijt me, ik kijk even mee","final":true,"lang":"nl"}`,
		`{"party":"customer","segment":"s2","start":5.5,"end":8,"text":"ik heb al drie keer gebeld en niemand helpt mij","final":true,"lang":"nl"}`,
	} {
		if code := postJSON(t, tr, integratorToken, body); code/100 != 2 {
			t.Fatalf("transcript line %d: %d", i, code)
		}
	}
	d := waitDesk(t, b, a17, "call 1 live with its cues, emotion and hint", 45*time.Second, func(d deskState) bool {
		v := d.view(c1)
		return v != nil && !v.Hidden && d.selected() == c1 && v.State == "live" && v.Count > 20 && v.Spoke &&
			v.Emotion != "" && v.LiveHints > 0 && len(v.Transcript) == 3 && !d.Idle
	})
	if slices.Contains(d.calls(), other) {
		t.Errorf("agent A17's desk shows B02's call %s", other)
	}
	checkB02("call 1 live")
	waitDesk(t, b, sup, "the supervisor's read-only view of A17's desk", 15*time.Second, func(d deskState) bool {
		v := d.view(c1)
		return d.Agent == "A17" && v != nil && !v.Hidden && v.LiveHints > 0 && !slices.Contains(d.calls(), other)
	})
	if n, _ := chromedp.Run(sup, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="fb-useful"]').length + (document.querySelector('[data-testid="readonly"]').hidden ? 10 : 0)`)); n != 0 {
		t.Errorf("the supervisor's view of A17's desk is not read-only (%d)", n)
	}
	hint := `[data-view-call="` + c1 + `"] [data-testid="hint"]`
	must(t, "rate the hint", chromedp.Do(a17, chromedp.Click(chromedp.CSS(hint+` [data-testid="fb-useful"]`))))
	if err := poll(a17, `document.querySelector('`+hint+`').dataset.status === '202'`, 10*time.Second); err != nil {
		t.Errorf("rating on the desk not accepted: %v", err)
	}
	b.shot(t, a17, "desk-call1-live.png")
	hang1()
	d = waitDesk(t, b, a17, "call 1 ended with its summary", 20*time.Second, func(d deskState) bool {
		v := d.view(c1)
		return v != nil && !v.Hidden && v.State == "ended" && v.Summary && v.Arc > 0 && d.Idle
	})
	v := d.view(c1)
	if v.Reason != "hangup" || v.ReasonText != "hung up" {
		t.Errorf("call 1 summary says it ended %q (%q), want hangup, said as \"hung up\"", v.ReasonText, v.Reason)
	}
	if len(v.Intents) == 0 || len(v.Hints) == 0 || !slices.Contains(v.Hints, "useful") {
		t.Errorf("call 1 summary lacks intents or the rated hint: intents %v, needs %v, hints %v", v.Intents, v.Needs, v.Hints)
	}
	b.shot(t, a17, "desk-call1-summary.png")

	// Call 2, over Twilio media streams (customer speech in, silence out).
	tw, err := twilio.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v1/media/twilio", integratorToken)
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	if err := tw.Start("CA"+c2, "MZ"+c2, []string{"inbound", "outbound"}, map[string]string{"call": c2, "agent": "A17"}); err != nil {
		t.Fatal(err)
	}
	twCtx, stopTw := context.WithCancel(ctx)
	defer stopTw()
	twDone := make(chan error, 1)
	in := speech[:min(len(speech), 8000*14)]
	go func() {
		twDone <- ingest.PlayFrames(twCtx, [][]int16{in, make([]int16, len(in))}, nil, func(_, i int, fr []int16) error {
			return tw.Media([]string{"inbound", "outbound"}[i], fr)
		})
	}()
	d = waitDesk(t, b, a17, "call 2 in front, the previous summary gone", 20*time.Second, func(d deskState) bool {
		v := d.view(c2)
		return v != nil && !v.Hidden && d.selected() == c2 && v.State == "live" && v.Count > 10 && d.view(c1) == nil
	})
	// A consult call overlapping call 2: its own tab and view, in front while it lasts.
	hang3 := publish(ctx, t, srv, c3, "A17", speech[:8000*10])
	postJSON(t, srv.URL+"/v1/calls/"+c2+"/transcript", integratorToken,
		`{"party":"customer","segment":"tw1","start":1,"end":3,"text":"ik wil mijn abonnement opzeggen","final":true,"lang":"nl"}`)
	postJSON(t, srv.URL+"/v1/calls/"+c3+"/transcript", integratorToken,
		`{"party":"agent","segment":"cs1","start":0.5,"end":2,"text":"heb je even voor een vraag over een klant","final":true,"lang":"nl"}`)
	d = waitDesk(t, b, a17, "the consult call overlapping call 2", 20*time.Second, func(d deskState) bool {
		v2, v3 := d.view(c2), d.view(c3)
		return v2 != nil && v3 != nil && len(d.Tabs) == 2 && d.selected() == c3 && !v3.Hidden && v2.Hidden &&
			v2.State == "live" && v3.State == "live" && v3.Count > 10 && len(v2.Transcript) == 1 && len(v3.Transcript) == 1
	})
	if v2, v3 := d.view(c2), d.view(c3); v2.Transcript[0] != "tw1" || v3.Transcript[0] != "cs1" {
		t.Errorf("overlapping calls mixed: call 2 shows %v, the consult %v", v2.Transcript, v3.Transcript)
	}
	b.shot(t, a17, "desk-overlap.png")
	checkB02("two calls live")
	hang3()
	waitDesk(t, b, a17, "back to call 2 when the consult ends", 20*time.Second, func(d deskState) bool {
		v2, v3 := d.view(c2), d.view(c3)
		return v2 != nil && v3 != nil && d.selected() == c2 && !v2.Hidden && v2.State == "live" && v3.State == "ended" && v3.Summary
	})
	// Call 2 ends (the Twilio stream's stop): its summary comes to the front.
	select {
	case err := <-twDone:
		if err != nil {
			t.Fatalf("twilio media: %v", err)
		}
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	if err := tw.Stop(); err != nil {
		t.Fatal(err)
	}
	d = waitDesk(t, b, a17, "call 2 ended with its summary", 20*time.Second, func(d deskState) bool {
		v := d.view(c2)
		return v != nil && !v.Hidden && v.State == "ended" && v.Summary && v.Arc > 0 && d.Idle
	})
	if v := d.view(c2); v.Reason != "hangup" {
		t.Errorf("call 2 ended %q, want hangup", v.Reason)
	}
	b.shot(t, a17, "desk-call2-summary.png")
	checkB02("both calls ended")
	if d := waitDesk(t, b, b02, "B02's own call", 5*time.Second, func(deskState) bool { return true }); d.view(other) == nil {
		t.Errorf("agent B02's desk never showed its own call %s: %v", other, d.calls())
	}

	// A Dutch agent reads the summary in Dutch: end reason and intent names.
	must(t, "language toggle", chromedp.Do(a17, chromedp.Click(chromedp.CSS(`#lang-toggle`))))
	d = waitDesk(t, b, a17, "Dutch summary", 5*time.Second, func(d deskState) bool { return d.view(c2).ReasonText == "opgehangen" })
	chips, _ := chromedp.Run(a17, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-view-call="`+c2+`"] [data-testid="sum-intents"] li')].map((l) => l.textContent).join(' | ')`))
	t.Logf("call 2 summary intents in Dutch: %q", chips)
	b.shot(t, a17, "desk-summary-nl.png")
}
