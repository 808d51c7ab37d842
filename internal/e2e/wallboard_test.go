package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserWallboard: two concurrent WHIP calls (one customer speaking, one silent) appear
// on the supervisor's wallboard in risk order with a sparkline each; a call crossing the
// risk threshold set on the page raises an alert; clicking a call opens its agent view
// read-only (no feedback buttons); the trends section loads without error.
func TestBrowserWallboard(t *testing.T) {
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
	speech := speech8k(ctx, t)
	wav := speechWAV(ctx, t, t.TempDir())

	b := newBrowser(ctx, t, wav)
	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	b.console(tab, "wallboard")
	must(t, "open wallboard", chromedp.Do(tab,
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/wallboard.html?"+url.Values{"token": {supervisorToken}, "lang": {"en"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="threshold"]`)),
	))
	if err := poll(tab, `document.querySelector('[data-testid="conn-state"]').dataset.state === 'open'`, 10*time.Second); err != nil {
		b.dump(t)
		t.Fatalf("wallboard websocket not open: %v", err)
	}
	// A low threshold, so the silent call's growing dead air (or the other's emotion) crosses it.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { const i = document.getElementById('threshold');
		i.value = '0.05'; i.dispatchEvent(new Event('change')); return true; })()`)); err != nil {
		t.Fatalf("set threshold: %v", err)
	}

	stamp := time.Now().UnixNano() % 1e9
	talk, quiet := fmt.Sprintf("wb-talk-%d", stamp), fmt.Sprintf("wb-quiet-%d", stamp)
	endTalk := publish(ctx, t, srv, talk, "A17", speech)
	endQuiet := publish(ctx, t, srv, quiet, "A18", make([]int16, len(speech)))

	type rowState struct {
		Call   string  `json:"call"`
		Risk   float64 `json:"risk"`
		Points int     `json:"points"`
	}
	const probe = `JSON.stringify([...document.querySelectorAll('#live tbody tr')].map((r) => ({
		call: r.dataset.call, risk: Number(r.dataset.risk), points: r.querySelectorAll('.spark canvas').length })))`
	var rows []rowState
	deadline := time.Now().Add(40 * time.Second)
	for {
		js, err := chromedp.Run(tab, chromedp.Evaluate[string](probe))
		if err != nil {
			t.Fatal(err)
		}
		rows = nil
		_ = json.Unmarshal([]byte(js), &rows)
		mine := 0
		for _, r := range rows {
			if r.Call == talk || r.Call == quiet {
				mine++
			}
		}
		// Both calls listed with distinct risks (so the order means something).
		if mine == 2 && len(rows) == 2 && rows[0].Risk != rows[1].Risk {
			break
		}
		if time.Now().After(deadline) {
			b.shot(t, tab, "wallboard-timeout.png")
			b.dump(t)
			t.Fatalf("wallboard never listed both calls with distinct risks: %+v", rows)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !sort.SliceIsSorted(rows, func(i, j int) bool { return rows[i].Risk > rows[j].Risk }) {
		t.Errorf("wallboard rows not in risk order: %+v", rows)
	}
	for _, r := range rows {
		if r.Points != 1 {
			t.Errorf("call %s has %d sparkline canvases, want 1", r.Call, r.Points)
		}
	}
	t.Logf("wallboard rows: %+v", rows)
	if err := poll(tab, `document.querySelectorAll('[data-testid="alert"][data-kind="risk"]').length > 0`, 20*time.Second); err != nil {
		b.shot(t, tab, "wallboard-no-alert.png")
		t.Errorf("no risk alert although the threshold is 0.05: %v", err)
	}
	if err := poll(tab, `(() => { const m = document.querySelector('[data-testid="trend-msg"]').textContent;
		return (m !== '' || !document.getElementById('trend-empty').hidden) && !m.startsWith('Could not') && !m.startsWith('loading'); })()`, 10*time.Second); err != nil {
		msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="trend-msg"]').textContent`))
		t.Errorf("trends did not load: %v (%q)", err, msg)
	}
	saved, _ := chromedp.Run(tab, chromedp.Evaluate[string](`localStorage.getItem('undertone.wb.threshold')`))
	if saved != "0.05" {
		t.Errorf("threshold saved as %q, want 0.05", saved)
	}
	b.shot(t, tab, "wallboard.png")

	// Click-through: the top call's agent view, read-only.
	must(t, "click the top call", chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#live tbody tr:first-child td:nth-child(3)`))))
	// Polls made while the page navigates fail ("cannot find context"): retry until the new page answers.
	var err error
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if err = poll(tab, `location.pathname.endsWith('/agent.html') && document.body.dataset.readonly === 'true'
		&& !document.getElementById('readonly').hidden && document.querySelector('[data-testid="call-id"]').textContent !== ''`, 2*time.Second); err == nil {
			break
		}
	}
	if err != nil {
		b.shot(t, tab, "wallboard-click.png")
		t.Fatalf("click did not open the read-only agent view: %v", err)
	}
	if err := poll(tab, `Number(document.querySelector('[data-testid="event-count"]').textContent) > 5`, 10*time.Second); err != nil {
		t.Errorf("read-only agent view got no events (the supervisor's token must see the call): %v", err)
	}
	if n, _ := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="fb-useful"]').length`)); n != 0 {
		t.Errorf("read-only agent view shows %d feedback buttons", n)
	}
	b.shot(t, tab, "agent-readonly.png")

	// Both calls end; the store's hourly buckets now hold them, and the trends chart (uPlot)
	// draws one line per agent.
	endTalk()
	endQuiet()
	must(t, "back to the wallboard", chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/wallboard.html?"+url.Values{"token": {supervisorToken}, "lang": {"en"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`#tr-by`)),
		chromedp.SetValue(chromedp.CSS(`#tr-by`), "agent"),
		chromedp.SetValue(chromedp.CSS(`#tr-metric`), "calls"),
	))
	var trendErr error
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		must(t, "refresh trends", chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#trend-form button[type="submit"]`))))
		if trendErr = poll(tab, `Number(document.getElementById('trend-chart').dataset.points) >= 2
			&& !!document.querySelector('#trend-chart canvas')`, 2*time.Second); trendErr == nil {
			break
		}
	}
	if trendErr != nil {
		msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="trend-msg"]').textContent`))
		b.shot(t, tab, "wallboard-trends-missing.png")
		t.Errorf("trends chart not drawn for the two ended calls: %v (%q)", trendErr, msg)
	}
	b.shot(t, tab, "wallboard-trends.png")
}
