package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/asr"
	"github.com/undertone/undertone/internal/asr/asrtest"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/whipclient"
)

// dutchLines is what the recogniser double "hears", one line per utterance in turn.
var dutchLines = []string{
	"goedemiddag ik bel over mijn factuur die is veel te hoog",
	"ik heb al drie keer gebeld en niemand helpt mij",
}

// TestExternalRecognizerEndToEnd runs the real serve command with --asr openai pointed at
// FakeWhisper, a test double of an external recogniser, and replays a Dutch call (espeak-ng
// speech) over WHIP with meta lang=nl. The agent's websocket shows the Dutch transcript
// segments (source openai, with the recogniser's confidence), intents and a hint from the
// normal chain, and /metrics counts the utterances. Then the recogniser fails every
// request: a second call gets a transcript.status saying it is down, while its level cues
// keep flowing and it ends as promptly as the first.
func TestExternalRecognizerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time calls")
	}
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP (loud): %s not installed (scripts/install-deps.sh test installs it)", tool)
		}
	}
	dir := t.TempDir()
	var parts []string
	for i, line := range dutchLines {
		raw := filepath.Join(dir, "line"+string(rune('0'+i))+".wav")
		if out, err := exec.Command("espeak-ng", "-v", "nl", "-s", "150", "-w", raw, line).CombinedOutput(); err != nil {
			t.Fatalf("espeak-ng: %v %s", err, out)
		}
		parts = append(parts, raw)
	}
	wav := filepath.Join(dir, "call.wav")
	// 1 s of silence, line 1, 1.2 s of silence, line 2, 1.5 s of silence, as 8 kHz mono.
	args := []string{"-n", "-r", "22050", "-c", "1", filepath.Join(dir, "gap.wav"), "trim", "0", "1.2"}
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	args = []string{parts[0], filepath.Join(dir, "gap.wav"), parts[1], "-r", "8000", "-c", "1", "-b", "16", wav, "pad", "1", "1.5"}
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	chans, err := whipclient.LoadWAV(wav)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	heard := 0
	fake := asrtest.NewFakeWhisper(asrtest.Say(func(req asrtest.Request) string {
		mu.Lock()
		defer mu.Unlock()
		heard++
		return dutchLines[(heard-1)%len(dutchLines)]
	}))
	defer fake.Close()

	addr := freeAddr(t)
	base := "http://" + addr
	const integrator, admin = "asr-integrator-token", "asr-admin-token-0001"
	t.Setenv("UNDERTONE_TOKENS", "integrator:"+integrator+",admin:"+admin)
	t.Setenv("UNDERTONE_ASR_KEY", "gpu-key")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--asr", "openai",
			"--asr-url", fake.URL, "--asr-model", "Systran/faster-whisper-large-v3"}, &stdout, &stderr)
	}()
	waitReady(t, base)

	evs, took := publishAndWatch(t, base, integrator, admin, "asr-openai-nl", chans)
	var transcripts []event.TranscriptData
	intents, hints := 0, 0
	for _, ev := range evs {
		switch ev.Type {
		case event.Transcript:
			var d event.TranscriptData
			_ = json.Unmarshal(ev.Data, &d)
			transcripts = append(transcripts, d)
			if d.Source != asr.OpenAI || d.Lang != "nl" || ev.Party != event.Customer || !d.Final || d.Confidence != 0.9 || len(d.Words) == 0 {
				t.Errorf("transcript %s", ev.Data)
			}
		case event.Intent:
			intents++
		case event.Hint:
			hints++
		}
	}
	var texts []string
	for _, d := range transcripts {
		texts = append(texts, d.Text)
	}
	if len(transcripts) < 2 || !strings.Contains(strings.Join(texts, " | "), "factuur") {
		t.Fatalf("Dutch transcript segments %q; want the recogniser's lines\n%s", texts, stderr.String())
	}
	if intents == 0 || hints == 0 {
		t.Errorf("%d intent and %d hint events from the Dutch transcript; want some of each", intents, hints)
	}
	for _, r := range fake.Requests() {
		if r.Language != "nl" || r.Auth != "Bearer gpu-key" || r.Model != "Systran/faster-whisper-large-v3" || r.Samples < 8000 {
			t.Errorf("request to the recogniser: %+v", r)
		}
	}
	m := scrape(t, base, admin)
	if !strings.Contains(m, `undertone_asr_utterances_total{result="transcribed"}`) ||
		!strings.Contains(m, `undertone_asr_requests_total{endpoint="default",outcome="ok"}`) {
		t.Errorf("/metrics lacks the recogniser's counters")
	}
	t.Logf("call 1: %d transcripts %q, %d intents, %d hints; ended %s after the last audio", len(transcripts), texts, intents, hints, took)

	// The recogniser fails from now on: a longer call (the Dutch speech twice) has more
	// utterances than it takes to mark it down.
	fake.SetBehaviour(asrtest.Fail(503, `{"error":{"message":"CUDA out of memory"}}`))
	twice := [][]int16{append(append([]int16(nil), chans[0]...), chans[0]...)}
	evs2, took2 := publishAndWatch(t, base, integrator, admin, "asr-openai-down", twice)
	var down *asr.StatusData
	levels := 0
	for _, ev := range evs2 {
		switch ev.Type {
		case asr.StatusEvent:
			var d asr.StatusData
			_ = json.Unmarshal(ev.Data, &d)
			if d.Health == asr.HealthDown {
				down = &d
			}
		case event.Level:
			levels++
		case event.Transcript:
			t.Errorf("a transcript while the recogniser fails: %s", ev.Data)
		}
	}
	if down == nil || down.Available || down.Reason != asr.ReasonDown || !strings.Contains(down.Message, "503") {
		t.Errorf("no transcript.status saying the recogniser is down: %+v", down)
	}
	media := float64(len(twice[0])) / whipclient.Rate
	if float64(levels) < 0.8*media*10 { // level cues every 100 ms
		t.Errorf("%d level events over %.1f s of audio: cues stalled while the recogniser failed", levels, media)
	}
	if took2 > took+3*time.Second {
		t.Errorf("call ended %s after its audio with the recogniser down (%s with it up)", took2, took)
	}
	t.Logf("call 2: status %+v; %d level events over %.1f s; ended %s after the last audio", down, levels, media, took2)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

type wsEvent struct {
	Type  string          `json:"type"`
	Party event.Party     `json:"party"`
	Data  json.RawMessage `json:"data"`
}

// publishAndWatch publishes chans as call id over WHIP (meta lang=nl), hangs up, and
// returns the events the call's websocket carried up to call.ended, and how long after
// the last audio frame call.ended came.
func publishAndWatch(t *testing.T, base, integrator, admin, id string, chans [][]int16) ([]wsEvent, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: base, Token: integrator, Call: id,
		Parties: []event.Party{event.Customer}, Meta: map[string]string{"lang": "nl"}})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/v1/ws/calls/"+id+"?token="+admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	evc := make(chan []wsEvent, 1)
	go func() {
		var evs []wsEvent
		defer func() { evc <- evs }()
		for {
			_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var ev wsEvent
			if json.Unmarshal(b, &ev) == nil {
				evs = append(evs, ev)
				if ev.Type == event.CallEnded {
					return
				}
			}
		}
	}()
	if err := pub.Play(ctx, chans, nil); err != nil {
		t.Fatal(err)
	}
	last := time.Now()
	time.Sleep(300 * time.Millisecond) // the last hops reach the analysers
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	evs := <-evc
	took := time.Since(last)
	if len(evs) == 0 || evs[len(evs)-1].Type != event.CallEnded {
		t.Fatalf("%s: no call.ended on the websocket (%d events)", id, len(evs))
	}
	return evs, took
}

func scrape(t *testing.T, base, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
