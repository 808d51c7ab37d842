package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

// publish opens a WHIP call from Go (internal/whipclient, the same pion client as
// `undertone replay`) with the customer playing audio (8 kHz). The returned func hangs up
// (safe to call twice); cleanup calls it too.
func publish(ctx context.Context, t *testing.T, srv *server, callID, agent string, audio []int16) (hangUp func()) {
	t.Helper()
	return publishMeta(ctx, t, srv, callID, agent, nil, audio)
}

// publishMeta is publish with call meta (team, queue, lang).
func publishMeta(ctx context.Context, t *testing.T, srv *server, callID, agent string, meta map[string]string, audio []int16) (hangUp func()) {
	t.Helper()
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: srv.URL, Token: integratorToken, Call: callID,
		Agent: agent, Meta: meta, Parties: []event.Party{event.Customer}})
	if err != nil {
		t.Fatalf("publishing %s: %v", callID, err)
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = pub.Play(pctx, [][]int16{audio}, nil) }()
	var once sync.Once
	hangUp = func() {
		once.Do(func() {
			stop()
			<-done
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = pub.Close(cctx)
		})
	}
	t.Cleanup(hangUp)
	return hangUp
}

// speech8k is the espeak-ng sentence (twice) as the whipclient plays it.
func speech8k(ctx context.Context, t *testing.T) []int16 {
	t.Helper()
	ch, err := whipclient.LoadWAV(speechWAV(ctx, t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return ch[0]
}

// postJSON sends body with token and returns the status code.
func postJSON(t *testing.T, u, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// poll evaluates a JavaScript condition every 100 ms until it is true or the timeout ends.
func poll(ctx context.Context, cond string, timeout time.Duration) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	return err
}

// TestBrowserAgentAssist: during a live call (espeak-ng speech over WHIP), the agent view
// shows the customer's emotion, the transcript the integrator pushes (a partial replaced
// by its final), and a hint with evidence; clicking "useful" is accepted (202) and the
// card says so.
func TestBrowserAgentAssist(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	if miss := missingTools(); len(miss) > 0 {
		skipLoudly(t, "missing "+strings.Join(miss, ", "))
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	srv := startServer(t)
	audio := speech8k(ctx, t)
	callID := fmt.Sprintf("assist-%d", time.Now().UnixNano()%1e9)
	publish(ctx, t, srv, callID, "", audio)

	b := newBrowser(ctx, t, speechWAV(ctx, t, t.TempDir()))
	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	b.console(tab, "agent")
	must(t, "open agent view", chromedp.Do(tab,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/agent.html?"+url.Values{"call": {callID}, "token": {agentToken}, "lang": {"en"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="event-count"]`)),
	))

	tr := srv.URL + "/v1/calls/" + callID + "/transcript"
	lines := []string{
		`{"party":"customer","segment":"s1","start":1,"end":2,"text":"goedemiddag ik bel over","final":false,"lang":"nl"}`,
		`{"party":"customer","segment":"s1","start":1,"end":3,"text":"goedemiddag ik bel over mijn factuur die is veel te hoog","final":true,"lang":"nl"}`,
		`{"party":"agent","segment":"a1","start":3.5,"end":5,"text":"dat spijt me, ik kijk even mee","final":true,"lang":"nl"}`,
		`{"party":"customer","segment":"s2","start":5.5,"end":8,"text":"ik heb al drie keer gebeld en niemand helpt mij","final":true,"lang":"nl"}`,
	}
	for i, body := range lines {
		if code := postJSON(t, tr, integratorToken, body); code/100 != 2 {
			t.Fatalf("transcript line %d: %d", i, code)
		}
		if i == 0 { // the partial must show before its final replaces it
			if err := poll(tab, `!!document.querySelector('#transcript li[data-segment="s1"][data-final="false"]')`, 10*time.Second); err != nil {
				b.shot(t, tab, "assist-no-partial.png")
				t.Fatalf("partial transcript not shown: %v", err)
			}
		}
	}
	const ready = `(() => {
		const lis = document.querySelectorAll('#transcript li');
		const s1 = document.querySelectorAll('#transcript li[data-segment="s1"]');
		return lis.length === 3 && s1.length === 1 && s1[0].dataset.final === 'true'
			&& !!document.querySelector('[data-testid="hint"] .evidence li')
			&& document.querySelector('[data-testid="customer-emotion"]').dataset.top !== ''; })()`
	if err := poll(tab, ready, 45*time.Second); err != nil {
		state, _ := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify({
			transcript: [...document.querySelectorAll('#transcript li')].map((l) => l.dataset.segment + ':' + l.dataset.final + ':' + l.textContent),
			hints: document.querySelectorAll('[data-testid="hint"]').length,
			emotion: document.querySelector('[data-testid="customer-emotion"]').dataset.top })`))
		b.shot(t, tab, "assist-timeout.png")
		b.dump(t)
		t.Fatalf("agent view never showed emotion, transcript and a hint: %v; page: %s", err, state)
	}
	must(t, "click useful", chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-testid="hint"] [data-testid="fb-useful"]`))))
	if err := poll(tab, `document.querySelector('[data-testid="hint"]').dataset.status === '202'`, 10*time.Second); err != nil {
		st, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="hint"]').dataset.status + ' ' + document.querySelector('[data-testid="fb-state"]').textContent`))
		b.shot(t, tab, "assist-feedback.png")
		t.Fatalf("feedback not accepted with 202: %v (card says %s)", err, st)
	}
	pressed, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`document.querySelector('[data-testid="hint"] [data-testid="fb-useful"]').getAttribute('aria-pressed')`))
	if err != nil || pressed != "true" {
		t.Errorf("the useful button is not marked pressed after the click: %q %v", pressed, err)
	}
	time.Sleep(2 * time.Second) // a few more emotion points on the trace
	b.shot(t, tab, "agent-assist.png")
	must(t, "language toggle", chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#lang-toggle`))))
	nl, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="fb-useful"]').textContent`))
	if !strings.Contains(nl, "Nuttig") {
		t.Errorf("Dutch feedback button reads %q", nl)
	}
	b.shot(t, tab, "agent-assist-nl.png")
}
