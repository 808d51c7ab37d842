package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// problem is what a page's problem banner says.
type problem struct {
	Shown  bool   `json:"shown"`
	Kind   string `json:"kind"`
	Text   string `json:"text"`
	Conn   string `json:"conn"`
	Action bool   `json:"action"`
}

const problemProbe = `(() => { const p = document.getElementById('problem'); const c = document.querySelector('[data-testid="conn-state"]');
	return { shown: !!p && !p.hidden, kind: p ? p.dataset.kind || '' : '', text: p ? p.textContent : '',
		conn: c ? c.dataset.state : '', action: !!document.querySelector('[data-testid="problem-action"]') }; })()`

// TestBrowserErrorsPeopleCanActOn: every page says what went wrong in words a person can
// act on, and stops retrying what retrying cannot fix. A wrong token is a sign-in problem
// (401) on the desk, a call page, the wallboard and the index; an agent's token on the
// wallboard is an access problem (403) that names who is signed in; a call page opened
// before its call waits, and says so when the call never starts (4404) and when it starts
// for another agent (4403); a call that ended long ago (before a restart: the hub no longer
// holds it) shows its stored summary and says it ended.
func TestBrowserErrorsPeopleCanActOn(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	if miss := missingTools(); len(miss) > 0 {
		skipLoudly(t, "missing "+strings.Join(miss, ", "))
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	stamp := time.Now().UnixNano() % 1e9
	old, never, notMine := fmt.Sprintf("old-%d", stamp), fmt.Sprintf("never-%d", stamp), fmt.Sprintf("b02-%d", stamp)

	// A call that ends before the server restarts: afterwards only the store knows it.
	data := t.TempDir()
	first := startServer(t, "--data-dir", data)
	speech := speech8k(ctx, t)
	hangUp := publish(ctx, t, first, old, "A17", speech[:8000*5])
	time.Sleep(5 * time.Second) // let it speak: the summary then has an emotion arc
	hangUp()
	waitStored(t, first, old, 15*time.Second)
	first.Stop()

	cfg := filepath.Join(t.TempDir(), "undertone.yaml")
	if err := os.WriteFile(cfg, []byte("call_wait: 4s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--data-dir", data, "--config", cfg)
	b := newBrowser(ctx, t, speechWAV(ctx, t, t.TempDir()))
	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	b.console(tab, "errors")
	must(t, "viewport", chromedp.Do(tab, chromedp.EmulateViewport(1280, 800)))

	visit := func(path string, q url.Values) {
		t.Helper()
		must(t, "open "+path, chromedp.Do(tab, chromedp.Navigate(srv.URL+path+"?"+q.Encode()),
			chromedp.WaitReady(chromedp.CSS(`body`))))
	}
	expect := func(what, shot string, within time.Duration, ok func(problem) bool) problem {
		t.Helper()
		var p problem
		for end := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
			p, _ = chromedp.Run(tab, chromedp.Evaluate[problem](problemProbe))
			if ok(p) {
				break
			}
			if time.Now().After(end) {
				b.shot(t, tab, "errors-timeout-"+shot)
				b.dump(t)
				t.Fatalf("%s: the page shows %+v", what, p)
			}
		}
		if shot != "" {
			b.shot(t, tab, shot)
		}
		return p
	}
	signin := func(p problem) bool {
		return p.Shown && p.Kind == "signin" && strings.Contains(p.Text, "Not signed in")
	}
	bad := "not-a-valid-token-123"

	// 401: a wrong token on each page is a sign-in problem, and the page stops trying.
	visit("/agent.html", url.Values{"token": {bad}, "lang": {"en"}})
	expect("desk with a wrong token", "errors-signin-desk.png", 10*time.Second, signin)
	visit("/agent.html", url.Values{"call": {old}, "token": {bad}, "lang": {"en"}})
	p := expect("call page with a wrong token", "", 10*time.Second, signin)
	time.Sleep(2 * time.Second)
	if p2, _ := chromedp.Run(tab, chromedp.Evaluate[problem](problemProbe)); p2.Conn != "closed" || !p2.Shown {
		t.Errorf("after a sign-in problem the call page still tries to connect: %+v (was %+v)", p2, p)
	}
	visit("/wallboard.html", url.Values{"token": {bad}, "lang": {"en"}})
	expect("wallboard with a wrong token", "errors-signin-wallboard.png", 10*time.Second, signin)
	visit("/", url.Values{"token": {bad}, "lang": {"en"}})
	expect("index with a wrong token", "", 10*time.Second, signin)

	// 403: a valid agent token on the wallboard is told apart from a wrong one.
	visit("/wallboard.html", url.Values{"token": {agentA17Token}, "lang": {"en"}})
	p = expect("wallboard with an agent's token", "errors-forbidden-wallboard.png", 10*time.Second, func(p problem) bool {
		return p.Shown && p.Kind == "forbidden"
	})
	if !strings.Contains(p.Text, "agent A17") || !strings.Contains(p.Text, "wallboard") {
		t.Errorf("the wallboard's access problem does not say who or what: %q", p.Text)
	}
	visit("/wallboard.html", url.Values{"token": {agentA17Token}, "lang": {"nl"}})
	expect("the same in Dutch", "", 10*time.Second, func(p problem) bool { return p.Shown && strings.Contains(p.Text, "Geen toegang") })

	// A call page opened before its call: waiting, then "did not start", with a way to wait again.
	visit("/agent.html", url.Values{"call": {never}, "token": {agentA17Token}, "lang": {"en"}})
	if err := poll(tab, `document.querySelector('[data-testid="call-state"]').textContent.startsWith('waiting for the call')`, 5*time.Second); err != nil {
		t.Errorf("a call page opened before its call does not say it waits: %v", err)
	}
	p = expect("a call that never starts", "errors-nostart.png", 15*time.Second, func(p problem) bool { return p.Shown && p.Kind == "nostart" })
	if !p.Action || !strings.Contains(p.Text, never) {
		t.Errorf("the did-not-start problem lacks the call id or the wait-again button: %+v", p)
	}

	// Opened before a call that starts for another agent: refused when it starts, no events.
	visit("/agent.html", url.Values{"call": {notMine}, "token": {agentA17Token}, "lang": {"en"}})
	if err := poll(tab, `document.querySelector('[data-testid="conn-state"]').dataset.state === 'open'`, 5*time.Second); err != nil {
		t.Fatalf("the call page did not open its waiting socket: %v", err)
	}
	publish(ctx, t, srv, notMine, "B02", speech[:8000*4])
	p = expect("a call routed to another agent", "errors-notallowed.png", 10*time.Second, func(p problem) bool { return p.Shown && p.Kind == "notallowed" })
	if !strings.Contains(p.Text, "routed to another agent") {
		t.Errorf("the not-your-call problem says %q", p.Text)
	}
	if n, _ := chromedp.Run(tab, chromedp.Evaluate[int](`Number(document.querySelector('[data-testid="event-count"]').textContent)`)); n != 0 {
		t.Errorf("agent A17's page received %d events of agent B02's call", n)
	}

	// A call that ended long ago: its stored summary, and a note saying so.
	visit("/agent.html", url.Values{"call": {old}, "token": {agentA17Token}, "lang": {"en"}})
	if err := poll(tab, `(() => { const n = document.querySelector('[data-testid="ended-note"]');
		return !n.hidden && n.textContent.includes('ended') && !document.querySelector('[data-testid="summary"]').hidden
			&& document.querySelector('[data-testid="sum-reason"]').dataset.reason === 'hangup'
			&& document.querySelector('[data-testid="conn-state"]').dataset.state === 'closed'; })()`, 10*time.Second); err != nil {
		b.shot(t, tab, "errors-timeout-ended.png")
		b.dump(t)
		t.Fatalf("a call that ended before the restart does not show its record: %v", err)
	}
	b.shot(t, tab, "errors-ended-long-ago.png")
}

// waitStored polls GET /v1/calls/{id} until the store says the call has ended.
func waitStored(t *testing.T, srv *server, id string, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/calls/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		var c struct {
			State   string          `json:"state"`
			Summary json.RawMessage `json:"summary"`
		}
		_ = json.NewDecoder(res.Body).Decode(&c)
		res.Body.Close()
		if c.State == "ended" && len(c.Summary) > 0 {
			return
		}
	}
	t.Fatalf("call %s not stored as ended within %s", id, within)
}
