package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store/sqlite"
	"github.com/undertone/undertone/internal/whipclient"
)

// TestServeAssistChain runs the real serve command with its bundled models and checks the
// agent-assist chain as an integrator and an agent use it: a live WHIP call, transcript
// lines pushed by the integrator, an intent event per final line, a hint with evidence on
// the agent's websocket, the agent's feedback on that hint accepted, and after the call the
// transcript (redacted), the hint and the feedback in the SQLite file.
func TestServeAssistChain(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	const integrator, agent = "assist-integrator-token", "assist-agent-token"
	t.Setenv("UNDERTONE_TOKENS", "integrator:"+integrator+",agent:"+agent+":A17")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir, "--asr", "none"}, &stdout, &stderr)
	}()
	waitReady(t, base)

	pctx, pcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer pcancel()
	const id = "assist-1"
	pub, err := whipclient.Dial(pctx, whipclient.Params{Server: base, Token: integrator, Call: id,
		Agent: "A17", Parties: []event.Party{event.Customer}})
	if err != nil {
		t.Fatal(err)
	}
	audio := make([]int16, 12*whipclient.Rate)
	for i := range audio {
		audio[i] = int16(5000 * math.Sin(2*math.Pi*(160+20*math.Sin(float64(i)/4000))*float64(i)/whipclient.Rate))
	}
	go func() { _ = pub.Play(pctx, [][]int16{audio}, nil) }()

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/v1/ws/calls/"+id+"?token="+agent, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	lines := []string{
		"goedemiddag ik bel over mijn factuur die is veel te hoog",
		"ik heb al drie keer gebeld en niemand helpt mij mijn rekening is NL91ABNA0417164300",
	}
	for i, text := range lines {
		body := fmt.Sprintf(`{"party":"customer","start":%d,"end":%d,"text":%q,"final":true,"lang":"nl"}`, 1+3*i, 3+3*i, text)
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/calls/"+id+"/transcript", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+integrator)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			t.Fatalf("transcript line %d: %s", i, res.Status)
		}
	}

	var hint event.HintData
	intents := 0
	_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for hint.ID == "" {
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("no hint on the agent's websocket (intents %d): %v\n%s", intents, err, stderr.String())
		}
		var ev struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(b, &ev)
		switch ev.Type {
		case event.Intent:
			intents++
		case event.Transcript:
			if strings.Contains(string(ev.Data), "0417164300") {
				t.Fatalf("the IBAN reached the agent's websocket unredacted: %s", ev.Data)
			}
		case event.Hint:
			if err := json.Unmarshal(ev.Data, &hint); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(hint.Evidence) == 0 || hint.Title.NL == "" || hint.Title.EN == "" || hint.Phrasing.NL == "" || hint.Phrasing.EN == "" {
		t.Fatalf("hint without evidence or Dutch/English text: %+v", hint)
	}
	t.Logf("hint %s (%s) after %d intent events; evidence %+v", hint.ID, hint.Rule, intents, hint.Evidence)

	req, _ := http.NewRequest(http.MethodPost, base+"/v1/calls/"+id+"/hints/"+hint.ID+"/feedback",
		strings.NewReader(`{"rating":"useful"}`))
	req.Header.Set("Authorization", "Bearer "+agent)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("feedback: %s", res.Status)
	}

	if err := pub.Close(pctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "undertone.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tl, err := st.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Transcripts) != len(lines) || len(tl.Hints) == 0 || len(tl.Feedback) != 1 {
		t.Fatalf("stored %d transcripts, %d hints, %d feedback; want %d, ≥1, 1", len(tl.Transcripts), len(tl.Hints), len(tl.Feedback), len(lines))
	}
	for _, tr := range tl.Transcripts {
		if strings.Contains(tr.Text, "0417164300") {
			t.Fatalf("IBAN stored unredacted: %q", tr.Text)
		}
	}
}
