package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the Debian chromium binary. /usr/lib/chromium/chromium skips the
// wrapper script (and its harmless warning).
func chromiumPath() string {
	for _, p := range []string{os.Getenv("UNDERTONE_CHROMIUM"), "/usr/lib/chromium/chromium", "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// missingTools lists what the browser test needs and this machine lacks.
func missingTools() []string {
	var miss []string
	if chromiumPath() == "" {
		miss = append(miss, "chromium")
	}
	for _, n := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(n); err != nil {
			miss = append(miss, n)
		}
	}
	return miss
}

func TestMain(m *testing.M) {
	flag.Parse()
	var dir string
	if !testing.Short() && len(missingTools()) == 0 {
		var err error
		dir, err = os.MkdirTemp("", "undertone-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binPath, buildErr = buildBinary(dir)
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func skipLoudly(t *testing.T, why string) {
	t.Helper()
	msg := "\n" + strings.Repeat("!", 78) + "\n!! SKIPPING the Chromium browser test: " + why +
		"\n!! Install with: sudo scripts/install-deps.sh test   (or: make test as root)\n" + strings.Repeat("!", 78)
	fmt.Fprintln(os.Stderr, msg)
	t.Skip(msg)
}

// TestBrowserSoftphoneToAgentView is the whole slice with real parts: Chromium's softphone
// page publishes an espeak-ng sentence (a fake capture file) over WHIP to the real binary,
// and the agent page, in a second tab, shows that call's level, pitch and speech cues
// arriving over the websocket. Stop hangs up, and the agent page shows the call ended.
func TestBrowserSoftphoneToAgentView(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	if miss := missingTools(); len(miss) > 0 {
		skipLoudly(t, "missing "+strings.Join(miss, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	work := t.TempDir()
	wav := speechWAV(ctx, t, work)
	srv := startServer(t)

	callID := fmt.Sprintf("e2e-%d", time.Now().UnixNano()%1e9)
	b := newBrowser(ctx, t, wav)

	// Tab 1: the softphone, as the customer.
	phone, closePhone := chromedp.NewContext(b.ctx)
	defer closePhone()
	b.console(phone, "softphone")
	// A Dutch call (calllang=nl → WHIP lang=nl): no recogniser covers Dutch, and the agent
	// view must say so.
	softURL := srv.URL + "/softphone.html?" + url.Values{"party": {"customer"}, "call": {callID},
		"token": {integratorToken}, "calllang": {"nl"}}.Encode()
	must(t, "open softphone", chromedp.Do(phone,
		chromedp.Navigate(softURL),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="start"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="start"]`)),
	))
	if _, err := chromedp.Run(phone, chromedp.Poll[bool](
		`document.querySelector('[data-testid="sp-state"]').dataset.state === 'connected'`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		msg, _ := chromedp.Run(phone, chromedp.Evaluate[string](
			`document.querySelector('[data-testid="sp-state"]').textContent + ' / ' + document.querySelector('[data-testid="sp-error"]').textContent`))
		b.dump(t)
		t.Fatalf("softphone did not connect: %v (page says %q)", err, msg)
	}

	// Tab 2: the agent view of that call.
	agent, closeAgent := chromedp.NewContext(phone)
	defer closeAgent()
	b.console(agent, "agent")
	agentURL := srv.URL + "/agent.html?" + url.Values{"call": {callID}, "token": {agentToken}}.Encode()
	must(t, "open agent view", chromedp.Do(agent,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(agentURL),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="event-count"]`)),
	))
	type progress struct {
		Count     int     `json:"count"`
		State     string  `json:"state"`
		Spoke     bool    `json:"spoke"`
		PitchSeen bool    `json:"pitchSeen"`
		MaxDBFS   float64 `json:"maxDbfs"`
		Conn      string  `json:"conn"`
	}
	const probe = `(() => { const c = document.getElementById('p-customer'); return {
		count: Number(document.querySelector('[data-testid="event-count"]').textContent),
		state: document.querySelector('[data-testid="call-state"]').dataset.state,
		spoke: c.dataset.spoke === 'true', pitchSeen: c.dataset.pitchSeen === 'true',
		maxDbfs: Number(c.dataset.maxDbfs || -100),
		conn: document.querySelector('[data-testid="conn-state"]').dataset.state }; })()`
	var last progress
	deadline := time.Now().Add(40 * time.Second)
	for {
		p, err := chromedp.Run(agent, chromedp.Evaluate[progress](probe))
		if err != nil {
			t.Fatalf("reading the agent page: %v", err)
		}
		last = p
		if p.Count > 20 && p.Spoke && p.PitchSeen && p.MaxDBFS > -50 && p.State == "live" {
			break
		}
		if time.Now().After(deadline) {
			b.shot(t, agent, "agent-timeout.png")
			b.dump(t)
			t.Fatalf("agent page never showed the call's speech cues: %+v", p)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("agent page after speech: %+v", last)
	note, err := chromedp.Run(agent, chromedp.Evaluate[string](
		`(() => { const n = document.querySelector('[data-testid="transcript-note"]'); return n.hidden ? '(hidden)' : n.textContent; })()`))
	if err != nil || !strings.Contains(note, "No transcript for Dutch calls: emotion and dynamics only") {
		t.Errorf("agent view of a Dutch call without a recogniser says %q (%v), want the no-transcript-for-Dutch note", note, err)
	}
	// The page traded the token for an HttpOnly session cookie and took it out of the
	// address bar; a reload (no token in the URL any more) still follows the call.
	href, err := chromedp.Run(agent, chromedp.Evaluate[string](`location.href`))
	if err != nil || strings.Contains(href, "token=") {
		t.Errorf("agent page URL still carries the token: %q (%v)", href, err)
	}
	must(t, "reload the agent view", chromedp.Do(agent, chromedp.Reload()))
	if _, err := chromedp.Run(agent, chromedp.Poll[bool](
		`document.querySelector('[data-testid="conn-state"]').dataset.state === 'open' && Number(document.querySelector('[data-testid="event-count"]').textContent) > 20`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		b.shot(t, agent, "agent-after-reload.png")
		b.dump(t)
		t.Fatalf("after a reload without the token in the URL the agent page did not reconnect on its session cookie: %v", err)
	}
	time.Sleep(3 * time.Second) // let the traces fill a little for the screenshot
	b.shot(t, agent, "agent-live.png")
	b.shot(t, phone, "softphone.png")

	// The index lists the call for the agent's token.
	idx, closeIdx := chromedp.NewContext(phone)
	defer closeIdx()
	must(t, "index lists the call", chromedp.Do(idx,
		chromedp.Navigate(srv.URL+"/?token="+agentToken),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-call="`+callID+`"]`)),
	))
	b.shot(t, idx, "index.png")
	closeIdx()

	// Dutch: the toggle translates the page in place.
	must(t, "language toggle", chromedp.Do(agent, chromedp.Click(chromedp.CSS(`#lang-toggle`))))
	nl, err := chromedp.Run(agent, chromedp.Evaluate[string](`document.getElementById('h-events').textContent`))
	if err != nil || nl != "Gebeurtenissen" {
		t.Errorf("after the language toggle the events heading reads %q (%v), want Gebeurtenissen", nl, err)
	}
	b.shot(t, agent, "agent-live-nl.png")
	must(t, "language toggle back", chromedp.Do(agent, chromedp.Click(chromedp.CSS(`#lang-toggle`))))

	// Stop hangs up (WHIP DELETE); the only party left, so the call ends with a summary.
	must(t, "stop", chromedp.Do(phone, chromedp.Click(chromedp.CSS(`[data-testid="stop"]`))))
	if _, err := chromedp.Run(agent, chromedp.Poll[bool](
		`document.querySelector('[data-testid="call-state"]').dataset.state === 'ended' && !document.getElementById('summary').hidden`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.shot(t, agent, "agent-not-ended.png")
		b.dump(t)
		t.Fatalf("agent page did not show the call ended after Stop: %v", err)
	}
	b.shot(t, agent, "agent-ended.png")
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// browser is one headless Chromium with a fake microphone playing wav once.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	lines  []string
	shots  string
	copyTo string
}

func newBrowser(ctx context.Context, t *testing.T, wav string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		// Chromium leaves org.chromium.Chromium.* files in TMPDIR; keep them in the test's.
		chromedp.Env("TMPDIR="+t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav+"%noloop"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.CombinedOutput(io.Discard),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b := &browser{ctx: bctx, shots: t.TempDir(), copyTo: os.Getenv("UNDERTONE_ARTIFACTS")}
	// Start the browser now, with a context that has no timeout of its own.
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("starting chromium %s: %v", chromiumPath(), err)
	}
	// Chromium never exits by itself: close it (the allocator kills it if it lingers)
	// before t.TempDir removes its profile.
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(cctx) // closes the browser gracefully, waits at most 10 s
		cancelBrowser()
		cancelAlloc() // kills the process if it is still there, and waits for it
		t.Logf("screenshots in %s", b.shots)
	})
	return b
}

// console collects the tab's console messages and exceptions for failure reports.
func (b *browser) console(ctx context.Context, tab string) {
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.lines = append(b.lines, tab+": "+m.String())
			b.mu.Unlock()
		}
	}()
}

func (b *browser) dump(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	t.Logf("browser console (%d lines):\n%s", len(b.lines), strings.Join(b.lines, "\n"))
}

// shot saves a full-page PNG of the tab under the test's temp dir, and copies it to
// $UNDERTONE_ARTIFACTS when set.
func (b *browser) shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name), png, 0o644); err != nil {
		t.Error(err)
	}
	if b.copyTo != "" {
		if err := os.MkdirAll(b.copyTo, 0o755); err == nil {
			err = os.WriteFile(filepath.Join(b.copyTo, name), png, 0o644)
		}
		if err != nil && !errors.Is(err, os.ErrExist) {
			t.Errorf("copying %s to UNDERTONE_ARTIFACTS: %v", name, err)
		}
	}
}
