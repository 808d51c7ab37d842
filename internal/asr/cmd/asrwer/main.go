// Command asrwer decodes 16 kHz mono WAV files with an asr engine and writes the
// hypotheses in sclite's trn format ("text (id)") on stdout, one line per file, and the
// real-time factor on stderr. scripts/wer.sh and scripts/wer_ravdess.sh drive it.
//
//	go run -tags pocketsphinx ./internal/asr/cmd/asrwer -engine pocketsphinx a.wav b.wav > hyp.trn
//
// The id of each line is the file's base name without extension.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/asr"
)

func main() {
	engine := flag.String("engine", asr.PocketSphinx, "engine name: "+strings.Join(asr.Engines(), ", "))
	model := flag.String("model", "", "engine model directory (empty: the engine's default)")
	list := flag.String("list", "", "file with one WAV path per line (in addition to the arguments)")
	opts := map[string]string{}
	flag.Func("opt", "engine option `name=value` (repeatable), e.g. -opt -lw=8 for pocketsphinx", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("want name=value, got %q", s)
		}
		opts[k] = v
		return nil
	})
	flag.Parse()
	if err := run(*engine, asr.Config{Model: *model, Options: opts}, *list, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "asrwer:", err)
		os.Exit(1)
	}
}

func run(engine string, cfg asr.Config, list string, files []string) error {
	if list != "" {
		b, err := os.ReadFile(list)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				files = append(files, l)
			}
		}
	}
	rec, err := asr.Open(engine, cfg)
	if err != nil {
		return err
	}
	defer rec.Close()
	var audio, cpu time.Duration
	for _, f := range files {
		pcm, err := asr.ReadWAV16k(f)
		if err != nil {
			return err
		}
		t0 := time.Now()
		res, err := asr.Transcribe(context.Background(), rec, "en", pcm)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		cpu += time.Since(t0)
		audio += time.Duration(len(pcm)) * time.Second / asr.SampleRate
		id := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		fmt.Printf("%s (%s)\n", strings.ToLower(res.Text), id)
	}
	if audio > 0 {
		fmt.Fprintf(os.Stderr, "asrwer: %d files, %.1f s audio, %.2f s decoding, RTF %.3f\n",
			len(files), audio.Seconds(), cpu.Seconds(), cpu.Seconds()/audio.Seconds())
	}
	return nil
}
