//go:build pocketsphinx && cgo

package server_test

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
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// A node wired like serve with the embedded recogniser: an English Twilio call's customer
// speech (espeak-ng, 8 kHz µ-law as a phone line carries it) comes back as a final
// transcript event of the customer and transcript.status says it is transcribed; the same audio on a call marked
// lang=nl gets no transcript and a status that says why.
func TestEmbeddedTranscriptEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time calls")
	}
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "8k.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, "yes please").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	if out, err := exec.Command("sox", "-R", raw, "-r", "8000", "-c", "1", "-b", "16", wav, "pad", "1", "1").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	chans, err := whipclient.LoadWAV(wav)
	if err != nil {
		t.Fatal(err)
	}

	n := servertest.New(t, func(c *config.Config) { c.ASR, c.IdleTimeout = asr.PocketSphinx, 5*time.Second })
	for _, c := range []struct {
		id, lang string
		want     bool
	}{{"asr-e2e-en", "", true}, {"asr-e2e-nl", "nl-NL", false}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		tw, err := twilio.Dial(ctx, "ws"+strings.TrimPrefix(n.URL(), "http")+"/v1/media/twilio", servertest.IntegratorToken)
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{"call": c.id}
		if c.lang != "" {
			params["lang"] = c.lang
		}
		if err := tw.Start("CA"+c.id, "MZ"+c.id, []string{"inbound"}, params); err != nil {
			t.Fatal(err)
		}
		if !n.WaitCall(c.id, 5*time.Second) {
			t.Fatalf("%s not opened", c.id)
		}
		w := servertest.Watch(t, n, c.id)
		if err := ingest.PlayFrames(ctx, chans[:1], nil, func(_, _ int, fr []int16) error { return tw.Media("inbound", fr) }); err != nil {
			t.Fatal(err)
		}
		_ = tw.Stop()
		if _, err := w.WaitEnded(15 * time.Second); err != nil {
			t.Fatal(err)
		}
		tw.Close()
		cancel()
		var texts []string
		var st *asr.StatusData
		for _, ev := range w.Events() {
			body, _ := json.Marshal(ev.Data)
			switch ev.Type {
			case event.Transcript:
				var d event.TranscriptData
				_ = json.Unmarshal(body, &d)
				texts = append(texts, d.Text)
				if d.Source != asr.PocketSphinx || ev.Party != event.Customer || d.Lang != "en" || !d.Final {
					t.Errorf("%s: transcript %s", c.id, body)
				}
			case asr.StatusEvent:
				st = &asr.StatusData{}
				_ = json.Unmarshal(body, st)
			}
		}
		if st == nil || st.Available != c.want {
			t.Errorf("%s: transcript.status %+v, want available=%v", c.id, st, c.want)
		}
		// What the words are is WER's business (scripts/wer.sh): through a phone line's
		// 8 kHz band the 16 kHz model hears "yes please" as something else entirely.
		if c.want && (len(texts) == 0 || strings.TrimSpace(texts[0]) == "") {
			t.Errorf("%s: no transcript of the customer's speech", c.id)
		}
		if !c.want && len(texts) > 0 {
			t.Errorf("%s: a Dutch call got English transcripts %q", c.id, texts)
		}
		t.Logf("%s: status %+v; transcripts %q", c.id, st, texts)
	}
}
