//go:build pocketsphinx && cgo

package asr

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// speak synthesises text with espeak-ng and converts it to 16 kHz mono with sox.
func speak(t *testing.T, text string) []int16 {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh test)", tool)
		}
	}
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "16k.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	// -R: sox's dither uses the same random numbers every run, so the input (and the
	// recogniser's answer) is the same every run; without any dither the digital silence
	// of the padding throws pocketsphinx's normalisation off ("use only").
	if out, err := exec.Command("sox", "-R", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "pad", "0.3", "0.3").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	pcm, err := ReadWAV16k(wav)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// The real engine: English only, word timings inside the utterance, the same text from
// concurrent decoders, and a caller that cannot get a decoder gives up with its context.
func TestPocketSphinx(t *testing.T) {
	rec, err := Open(PocketSphinx, Config{Decoders: 2})
	if errors.Is(err, ErrModel) {
		t.Skipf("model not installed: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if !rec.Supports("en") || rec.Supports("nl") {
		t.Error("pocketsphinx must support en and only en")
	}
	if _, err := rec.NewStream(context.Background(), "nl"); !errors.Is(err, ErrLanguage) {
		t.Errorf("Dutch stream: err = %v, want ErrLanguage", err)
	}
	pcm := speak(t, "yes please")
	dur := time.Duration(len(pcm)) * time.Second / SampleRate

	var wg sync.WaitGroup
	res := make([]Result, 2)
	errs := make([]error, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = Transcribe(context.Background(), rec, "en", pcm)
		}()
	}
	wg.Wait()
	for i, r := range res {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !strings.Contains(r.Text, "yes") || r.Confidence < 0 || r.Confidence > 1 {
			t.Errorf("decoder %d: %+v, want the text to contain \"yes\"", i, r)
		}
		var last time.Duration
		for _, w := range r.Words {
			if w.Start < last || w.End < w.Start || w.End > dur+20*time.Millisecond {
				t.Errorf("word %+v outside 0..%s or out of order", w, dur)
			}
			last = w.Start
		}
	}
	if res[0].Text != res[1].Text {
		t.Errorf("concurrent decoders disagree: %q vs %q", res[0].Text, res[1].Text)
	}
	t.Logf("%q (confidence %.2f, %d words)", res[0].Text, res[0].Confidence, len(res[0].Words))

	// Both decoders busy: a third stream waits, then gives up with its context.
	s1, err := rec.NewStream(context.Background(), "en")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := rec.NewStream(context.Background(), "en")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := rec.NewStream(ctx, "en"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("third stream with two decoders: err = %v, want a deadline", err)
	}
	_ = s1.Close()
	_ = s2.Close()
}
