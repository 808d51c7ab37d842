package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"
)

type wbRow struct {
	Call  string `json:"call"`
	Team  string `json:"team"`
	Queue string `json:"queue"`
	Why   string `json:"why"`
	Cust  string `json:"cust"`
}

const wbRows = `JSON.stringify([...document.querySelectorAll('#live tbody tr')].map((r) => ({ call: r.dataset.call,
	team: r.querySelector('[data-col="team"]').textContent, queue: r.querySelector('[data-col="queue"]').textContent,
	why: r.querySelector('.why').textContent, cust: r.children[8].textContent })))`

func readRows(t *testing.T, tab context.Context) []wbRow {
	t.Helper()
	js, err := chromedp.Run(tab, chromedp.Evaluate[string](wbRows))
	if err != nil {
		t.Fatal(err)
	}
	var rows []wbRow
	_ = json.Unmarshal([]byte(js), &rows)
	return rows
}

// TestBrowserWallboardTeams: the wallboard shows each call's team and queue and filters on
// them (the filter kept in the address); a supervisor of team red sees only red's calls
// at all; an agent's rating updates the usefulness table without a refresh; and after the
// calls end the trend chart's time axis spans the data, naming the calls without a queue.
// Before any call has ended the chart says why it is empty.
func TestBrowserWallboardTeams(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	if miss := missingTools(); len(miss) > 0 {
		skipLoudly(t, "missing "+strings.Join(miss, ", "))
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	srv := startServer(t)
	speech := speech8k(ctx, t)
	b := newBrowser(ctx, t, speechWAV(ctx, t, t.TempDir()))
	open := func(name, token string, extra url.Values) context.Context {
		tab, closeTab := chromedp.NewContext(b.ctx)
		t.Cleanup(closeTab)
		b.console(tab, name)
		q := url.Values{"token": {token}, "lang": {"en"}}
		for k, v := range extra {
			q[k] = v
		}
		must(t, "open "+name, chromedp.Do(tab, chromedp.EmulateViewport(1400, 900),
			chromedp.Navigate(srv.URL+"/wallboard.html?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS(`#f-team`))))
		if err := poll(tab, `document.querySelector('[data-testid="conn-state"]').dataset.state === 'open'`, 10*time.Second); err != nil {
			t.Fatalf("%s: websocket not open: %v", name, err)
		}
		return tab
	}
	wb := open("wallboard", supervisorToken, nil)
	red := open("wallboard-red", supervisorRedToken, nil)
	if err := poll(wb, `!document.getElementById('trend-empty').hidden && document.getElementById('trend-empty').textContent.includes('No ended calls')`, 10*time.Second); err != nil {
		t.Errorf("the trend chart of a period without ended calls does not say so: %v", err)
	}
	b.shot(t, wb, "wallboard-trends-empty.png")

	stamp := time.Now().UnixNano() % 1e9
	cRed, cBlue, cNone := fmt.Sprintf("wb-red-%d", stamp), fmt.Sprintf("wb-blue-%d", stamp), fmt.Sprintf("wb-none-%d", stamp)
	endRed := publishMeta(ctx, t, srv, cRed, "A17", map[string]string{"team": "red", "queue": "billing"}, speech)
	endBlue := publishMeta(ctx, t, srv, cBlue, "B02", map[string]string{"team": "blue", "queue": "billing"}, speech)
	endNone := publish(ctx, t, srv, cNone, "A30", speech)
	postJSON(t, srv.URL+"/v1/calls/"+cRed+"/transcript", integratorToken,
		`{"party":"customer","segment":"s1","start":1,"end":3,"text":"ik heb al drie keer gebeld en niemand helpt mij","final":true,"lang":"nl"}`)

	var rows []wbRow
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		rows = readRows(t, wb)
		if len(rows) == 3 {
			break
		}
		if time.Now().After(end) {
			b.shot(t, wb, "wallboard-teams-timeout.png")
			t.Fatalf("the wallboard never listed the three calls: %+v", rows)
		}
	}
	want := map[string][2]string{cRed: {"red", "billing"}, cBlue: {"blue", "billing"}, cNone: {"–", "–"}}
	for _, r := range rows {
		if w := want[r.Call]; r.Team != w[0] || r.Queue != w[1] {
			t.Errorf("row %s shows team %q queue %q, want %q %q", r.Call, r.Team, r.Queue, w[0], w[1])
		}
		if strings.Contains(r.Why, "negative emotion (") {
			t.Errorf("row %s: the why column reads %q beside %q: it must name the share it is about", r.Call, r.Why, r.Cust)
		}
	}

	// Filter on team red: one row, the others counted as hidden, the filter in the address.
	must(t, "filter team red", chromedp.Do(wb, chromedp.SetValue(chromedp.CSS(`#f-team`), "red")))
	if _, err := chromedp.Run(wb, chromedp.Evaluate[bool](`document.getElementById('f-team').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	if err := poll(wb, `document.querySelectorAll('#live tbody tr').length === 1 && !!document.querySelector('#live tbody tr[data-call="`+cRed+`"]')
		&& location.search.includes('team=red') && document.getElementById('live-msg').textContent.includes('2 more live calls')`, 5*time.Second); err != nil {
		b.shot(t, wb, "wallboard-team-timeout.png")
		t.Errorf("filtering on team red: %v (rows %+v)", err, readRows(t, wb))
	}
	b.shot(t, wb, "wallboard-team-red.png")
	// The red supervisor's board holds only red's call, whatever the filter.
	if rows := readRows(t, red); len(rows) != 1 || rows[0].Call != cRed {
		t.Errorf("the supervisor of team red sees %+v, want only %s", rows, cRed)
	}

	// An agent rates the red call's hint: the usefulness table updates by itself.
	hint := firstHint(ctx, t, srv, cRed)
	if code := postJSON(t, srv.URL+"/v1/calls/"+cRed+"/hints/"+url.PathEscape(hint)+"/feedback", agentA17Token, `{"rating":"useful"}`); code != http.StatusAccepted {
		t.Fatalf("rating hint %s: %d", hint, code)
	}
	if err := poll(wb, `[...document.querySelectorAll('#usefulness tbody tr')].some((r) => r.dataset.rated === 'true' && Number(r.dataset.useful) >= 1)`, 15*time.Second); err != nil {
		b.shot(t, wb, "wallboard-usefulness-timeout.png")
		t.Errorf("the usefulness table did not update after an agent rated a hint: %v", err)
	}
	b.shot(t, wb, "wallboard-usefulness-live.png")

	// After the calls end the trend axis spans the data (not a day with one dot), and the
	// call without a queue has a name.
	endRed()
	endBlue()
	endNone()
	must(t, "trends by queue", chromedp.Do(wb, chromedp.SetValue(chromedp.CSS(`#tr-by`), "queue"),
		chromedp.SetValue(chromedp.CSS(`#tr-metric`), "calls")))
	var err error
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		must(t, "refresh trends", chromedp.Do(wb, chromedp.Click(chromedp.CSS(`#trend-form button[type="submit"]`))))
		if err = poll(wb, `(() => { const c = document.getElementById('trend-chart');
			return !!c.querySelector('canvas') && c.dataset.groups.includes('(no queue)') && c.dataset.groups.includes('billing'); })()`, 2*time.Second); err == nil {
			break
		}
	}
	if err != nil {
		b.shot(t, wb, "wallboard-trends-timeout.png")
		t.Fatalf("trend chart not drawn with the queue-less calls named: %v", err)
	}
	span, _ := chromedp.Run(wb, chromedp.Evaluate[string](`document.getElementById('trend-chart').dataset.span`))
	if span != "3600" && span != "7200" {
		t.Errorf("the trend axis of an hour or two of data spans %s s", span)
	}
	b.shot(t, wb, "wallboard-trends-data.png")

	// The index lists the calls with agent, team, queue, duration and peak risk, and its
	// search box (q=) narrows them.
	must(t, "index", chromedp.Do(wb, chromedp.Navigate(srv.URL+"/?"+url.Values{"token": {supervisorToken}, "lang": {"en"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-call="`+cRed+`"]`))))
	row, _ := chromedp.Run(wb, chromedp.Evaluate[string](`(() => { const r = document.querySelector('tr[data-call="`+cRed+`"]');
		return ['agent', 'team', 'queue', 'duration', 'risk'].map((c) => r.querySelector('[data-col="' + c + '"]').textContent).join('|'); })()`))
	if f := strings.Split(row, "|"); len(f) != 5 || f[0] != "A17" || f[1] != "red" || f[2] != "billing" || f[3] == "0:00" || f[4] == "–" {
		t.Errorf("the index row of %s reads %q; want agent, team, queue, a duration and a peak risk", cRed, row)
	}
	b.shot(t, wb, "index-calls.png")
	must(t, "search", chromedp.Do(wb, chromedp.SendKeys(chromedp.CSS(`#q`), "wb-blue")))
	if err := poll(wb, `document.querySelectorAll('#calls tbody tr').length === 1 && !!document.querySelector('tr[data-call="`+cBlue+`"]')
		&& location.search.includes('q=wb-blue')`, 10*time.Second); err != nil {
		b.shot(t, wb, "index-search-timeout.png")
		t.Errorf("searching the index for wb-blue: %v", err)
	}
	b.shot(t, wb, "index-search.png")
}

// firstHint reads a call's events as the admin until its first hint and returns its id.
func firstHint(ctx context.Context, t *testing.T, srv *server, call string) string {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/ws/calls/" + call
	c, _, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + adminToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("no hint on %s: %v", call, err)
		}
		var ev struct {
			Type string `json:"type"`
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if json.Unmarshal(b, &ev) == nil && ev.Type == "hint" {
			return ev.Data.ID
		}
	}
}

// TestBrowserSoftphoneSaysTheFileEnded: a softphone publishing a test file (Chromium's fake
// microphone, played once) says so when the file has ended and the call carries silence,
// instead of "connected — publishing" over a silent line.
func TestBrowserSoftphoneSaysTheFileEnded(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	if miss := missingTools(); len(miss) > 0 {
		skipLoudly(t, "missing "+strings.Join(miss, ", "))
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startServer(t)
	// A tone with silence after it: at the end of a file played once Chromium's fake
	// microphone repeats its last 10 ms, here silence, as every recorded test file ends.
	wav := filepath.Join(t.TempDir(), "tone.wav")
	if out, err := exec.CommandContext(ctx, "sox", "-n", "-r", "48000", "-c", "1", "-b", "16", wav,
		"synth", "1.5", "sine", "300", "pad", "1", "0.5").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	b := newBrowser(ctx, t, wav)
	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	b.console(tab, "softphone")
	must(t, "start the softphone", chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/softphone.html?"+url.Values{"party": {"customer"}, "call": {fmt.Sprintf("sp-end-%d", time.Now().UnixNano()%1e9)},
			"token": {integratorToken}, "lang": {"en"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="start"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="start"]`))))
	if err := poll(tab, `document.querySelector('[data-testid="sp-state"]').dataset.state === 'connected'`, 20*time.Second); err != nil {
		b.dump(t)
		t.Fatalf("softphone did not connect: %v", err)
	}
	if err := poll(tab, `(() => { const s = document.querySelector('[data-testid="sp-state"]');
		return s.dataset.state === 'source-ended' && s.textContent.includes('audio file has ended'); })()`, 15*time.Second); err != nil {
		st, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="sp-state"]').textContent`))
		b.shot(t, tab, "softphone-file-timeout.png")
		t.Fatalf("the softphone never said its file ended: %v (says %q)", err, st)
	}
	b.shot(t, tab, "softphone-file-ended.png")
}
