//go:build pocketsphinx && cgo

package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/asr"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server/servertest"
)

// A Dutch call replayed from a file with --lang nl never reaches the embedded English
// recogniser: its transcript.status says why there is no transcript, and no transcript
// event comes (it was once transcribed into English nonsense and classified).
func TestReplayLangNeverReachesTheWrongRecogniser(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "nl.wav")
	if out, err := exec.Command("espeak-ng", "-v", "nl", "-w", raw, "ik wil mijn abonnement opzeggen want het is de zoveelste keer").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	if out, err := exec.Command("sox", "-R", raw, "-r", "8000", "-c", "1", "-b", "16", wav, "pad", "0.5", "1").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	n := servertest.New(t, func(c *config.Config) { c.ASR = asr.PocketSphinx })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := servertest.Watch(t, n, "replay-nl")
	var out, errb syncBuf
	if err := run(ctx, []string{"replay", wav, "--server", n.URL(), "--token", servertest.IntegratorToken,
		"--call", "replay-nl", "--lang", "nl", "--agent", "A17", "--queue", "opzeggingen"}, &out, &errb); err != nil {
		t.Fatalf("replay: %v %s", err, errb.String())
	}
	if _, err := w.WaitEnded(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	var st *asr.StatusData
	for _, ev := range w.Events() {
		b, _ := json.Marshal(ev.Data)
		switch ev.Type {
		case event.Transcript:
			t.Errorf("a Dutch call got a transcript from the English recogniser: %s", b)
		case asr.StatusEvent:
			st = &asr.StatusData{}
			_ = json.Unmarshal(b, st)
		case event.CallStarted:
			if !strings.Contains(string(b), `"lang":"nl"`) || !strings.Contains(string(b), `"queue":"opzeggingen"`) {
				t.Errorf("call.started without the replay's metadata: %s", b)
			}
		}
	}
	if st == nil || st.Available || st.Lang != "nl" || st.Message == "" {
		t.Errorf("transcript.status %+v, want not available for nl with a reason", st)
	}
}
