package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/undertone/undertone/internal/cli"
	"github.com/undertone/undertone/internal/loadgen"
)

// runLoadgen plays a WAV (or synthetic tone bursts, or a dialogue of speech clips) as N
// concurrent calls and prints latency and CPU figures.
func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "undertone base URL (loopback or your own test host)")
	token := fs.String("token", "", "admin token (ingest + view + metrics)")
	calls := fs.Int("calls", 50, "concurrent calls")
	synth := fs.Float64("tone-bursts", 0, "instead of a WAV: this many seconds of synthetic two-party tone bursts")
	speech := fs.String("speech", "", "instead of a WAV: a folder of speech WAVs (e.g. a corpus's wav/) laid out as a two-party dialogue")
	seconds := fs.Float64("seconds", 30, "length of the --speech dialogue")
	clips := fs.Int("clips", 24, "clips taken from the --speech folder, spread over it")
	codecName := fs.String("codec", "pcmu", "what the calls send: pcmu, or opus (encoded once at start with opusenc, from opus-tools)")
	kbps := fs.Int("opus-kbps", 24, "Opus target bitrate (VBR; 24 kb/s of 16 kHz speech is SILK wideband)")
	watch := fs.String("watch", "", "base URL of another node of the same cluster whose websockets carry the cues: onset → cue across the bus, and that node's CPU")
	floor := fs.Bool("floor", false, "the server is the transport floor (undertone-floor): no websockets, no latency")
	pos, err := cli.Parse(fs, args, "usage: undertone loadgen [FILE.wav] --server URL --token T --calls N [--codec opus] [--speech DIR]", stderr)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return cli.Usage("loadgen", "want at most one WAV file, got %d arguments", len(pos))
	}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
	}
	p := loadgen.Params{Server: *server, Token: *token, Calls: *calls, NoCues: *floor, Watch: *watch,
		Log: slog.New(slog.NewTextHandler(stderr, nil))}
	if p.Channels, p.Opus, err = loadgen.PrepareAudio(ctx, loadgen.AudioParams{ToneBursts: *synth, SpeechDir: *speech,
		Seconds: *seconds, Clips: *clips, WAV: file, Codec: *codecName, OpusKbps: *kbps}); err != nil {
		return err
	}
	rep, err := loadgen.Run(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "codec=%s %s\n", strings.ToLower(*codecName), rep.String())
	return nil
}
