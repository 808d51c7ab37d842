// Command loadbench measures undertone against the transport floor (cmd/undertone-floor)
// the way issue 15 asks: the same speech calls played to each, interleaved in one run
// and repeated, each measurement on a freshly started process. For every codec and call
// count it prints one table row: CPU per party stream in % of one core for undertone and
// for the floor (the range over the repeats), their ratio, RSS per call (growth over the
// process's idle RSS at the peak of the run, divided by the calls) and onset → cue
// latency p50/p99 from undertone's websockets.
//
// CPU and memory come from /proc/PID (utime+stime, VmRSS), not wall-clock timing, so a
// machine shared with other work changes them less; latency is wall-clock and is not.
//
//	go run ./scripts/loadbench --undertone bin/undertone --floor bin/undertone-floor \
//	    --speech ../shared/data/emotion/ravdess/wav --codecs pcmu,opus --calls 10,50,100
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/undertone/undertone/internal/loadgen"
)

const token = "loadbench-admin-token-0001"

type opts struct {
	undertone, floor string
	baseline, bfloor string   // optional: an older build of each, measured in the same run
	args             []string // extra serve flags
	speech, wav      string
	tones, seconds   float64
	codecs           []string
	calls            []int
	repeat           int
	kbps             int
	log              *slog.Logger
}

func main() {
	var o opts
	var codecs, calls, args string
	flag.StringVar(&o.undertone, "undertone", "bin/undertone", "undertone binary")
	flag.StringVar(&o.floor, "floor", "bin/undertone-floor", "undertone-floor binary")
	flag.StringVar(&o.baseline, "baseline", "", "an older undertone binary to measure in the same run (before/after)")
	flag.StringVar(&o.bfloor, "baseline-floor", "", "the floor built from the same older tree (default: --floor)")
	flag.StringVar(&args, "serve-args", "--asr none", "extra flags for undertone serve")
	flag.StringVar(&o.speech, "speech", "", "folder of speech WAVs laid out as two-party dialogues (e.g. RAVDESS wav/)")
	flag.StringVar(&o.wav, "wav", "", "instead: play this WAV (stereo: customer left)")
	flag.Float64Var(&o.tones, "tone-bursts", 0, "instead: synthetic tone bursts")
	flag.Float64Var(&o.seconds, "seconds", 30, "length of each call")
	flag.StringVar(&codecs, "codecs", "pcmu,opus", "codecs to measure")
	flag.StringVar(&calls, "calls", "10,50,100", "call counts to measure")
	flag.IntVar(&o.repeat, "repeat", 2, "measurements of each (codec, calls, process), interleaved")
	flag.IntVar(&o.kbps, "opus-kbps", 24, "Opus bitrate")
	flag.Parse()
	o.args = strings.Fields(args)
	if o.baseline != "" && o.bfloor == "" {
		o.bfloor = o.floor
	}
	o.codecs = strings.Split(codecs, ",")
	for _, c := range strings.Split(calls, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fail(fmt.Errorf("--calls %q", calls))
		}
		o.calls = append(o.calls, n)
	}
	o.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench(ctx, o, os.Stdout); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadbench:", err)
	os.Exit(1)
}

// sample is one measurement of one process under one load.
type sample struct {
	cpuPct   float64 // % of one core per party stream
	rssCall  float64 // MB per call
	idleRSS  float64 // MB
	rep      loadgen.Report
	lostPkts float64
}

// target is one process the bench measures.
type target struct {
	name, bin string
	undertone bool
}

func bench(ctx context.Context, o opts, out io.Writer) error {
	targets := []target{{"undertone", o.undertone, true}, {"floor", o.floor, false}}
	if o.baseline != "" {
		targets = append(targets, target{"baseline", o.baseline, true}, target{"baseline-floor", o.bfloor, false})
	}
	var rows, baseRows []string
	for _, codec := range o.codecs {
		chans, pkts, err := loadgen.PrepareAudio(ctx, loadgen.AudioParams{ToneBursts: o.tones, SpeechDir: o.speech,
			Seconds: o.seconds, Clips: 24, WAV: o.wav, Codec: codec, OpusKbps: o.kbps})
		if err != nil {
			return err
		}
		for _, n := range o.calls {
			got := map[string][]sample{}
			for r := range o.repeat {
				for k := range targets { // a different target first in each repeat
					tg := targets[(k+r)%len(targets)]
					s, err := measure(ctx, o, tg, n, chans, pkts)
					if err != nil {
						return fmt.Errorf("%s %d calls: %w", codec, n, err)
					}
					fmt.Fprintf(os.Stderr, "%s calls=%d %s: cpu %.3f%%/stream rss %.2f MB/call (idle %.0f MB) %s\n",
						codec, n, tg.name, s.cpuPct, s.rssCall, s.idleRSS, s.rep)
					got[tg.name] = append(got[tg.name], s)
				}
			}
			rows = append(rows, row(codec, n, got["undertone"], got["floor"]))
			if o.baseline != "" {
				baseRows = append(baseRows, row(codec, n, got["baseline"], got["baseline-floor"]))
			}
		}
	}
	head := "| load | undertone % of a core per party stream | floor | ratio | RSS per call (floor) | onset → cue p50 / p99 | packets lost |\n|---|---|---|---|---|---|---|"
	fmt.Fprintln(out, head)
	fmt.Fprintln(out, strings.Join(rows, "\n"))
	if o.baseline != "" {
		fmt.Fprintf(out, "\nbaseline %s (floor %s), measured interleaved in the same run:\n\n%s\n%s\n", o.baseline, o.bfloor,
			head, strings.Join(baseRows, "\n"))
	}
	return nil
}

func row(codec string, n int, ut, fl []sample) string {
	rng := func(ss []sample, f func(sample) float64, prec int) string {
		lo, hi := f(ss[0]), f(ss[0])
		for _, s := range ss {
			lo, hi = min(lo, f(s)), max(hi, f(s))
		}
		if strconv.FormatFloat(lo, 'f', prec, 64) == strconv.FormatFloat(hi, 'f', prec, 64) {
			return strconv.FormatFloat(lo, 'f', prec, 64)
		}
		return strconv.FormatFloat(lo, 'f', prec, 64) + "–" + strconv.FormatFloat(hi, 'f', prec, 64)
	}
	cpu := func(s sample) float64 { return s.cpuPct }
	rss := func(s sample) float64 { return s.rssCall }
	var ratios []float64
	for i := range min(len(ut), len(fl)) {
		if fl[i].cpuPct > 0 {
			ratios = append(ratios, ut[i].cpuPct/fl[i].cpuPct)
		}
	}
	slices.Sort(ratios)
	ratio := "–"
	if len(ratios) > 0 {
		ratio = fmt.Sprintf("%.1f×", ratios[0])
		if r := fmt.Sprintf("%.1f×", ratios[len(ratios)-1]); r != ratio {
			ratio = strings.TrimSuffix(ratio, "×") + "–" + r
		}
	}
	var p50, p99 []time.Duration
	var lost float64
	var matched, onsets int
	for _, s := range ut {
		p50, p99 = append(p50, s.rep.LatencyP50), append(p99, s.rep.LatencyP99)
		lost += s.lostPkts
		matched += s.rep.Matched
		onsets += s.rep.Onsets - s.rep.Continued
	}
	for _, s := range fl {
		lost += s.lostPkts
	}
	slices.Sort(p50)
	slices.Sort(p99)
	span := func(d []time.Duration) string {
		lo, hi := strconv.FormatInt(d[0].Milliseconds(), 10), strconv.FormatInt(d[len(d)-1].Milliseconds(), 10)
		if lo == hi {
			return lo
		}
		return lo + "–" + hi
	}
	lat := fmt.Sprintf("%s / %s ms (%d/%d cued)", span(p50), span(p99), matched, onsets)
	return fmt.Sprintf("| %s, %d calls | %s | %s | %s | %s MB (%s) | %s | %.0f |", strings.ToUpper(codec), n,
		rng(ut, cpu, 2), rng(fl, cpu, 2), ratio, rng(ut, rss, 2), rng(fl, rss, 2), lat, lost)
}

// measure starts a fresh process (undertone serve or the floor), lets it settle, plays n
// calls to it and returns what it cost.
func measure(ctx context.Context, o opts, tg target, n int, chans [][]int16, pkts [][][]byte) (sample, error) {
	isUT := tg.undertone
	const addr = "127.0.0.1:18090"
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dir)
	var cmd *exec.Cmd
	if isUT {
		cmd = exec.CommandContext(ctx, tg.bin, append([]string{"serve", "--addr", addr, "--data-dir", dir,
			"--log-level", "warn", "--idle-timeout", "10s"}, o.args...)...)
		cmd.Env = append(os.Environ(), "UNDERTONE_TOKENS=admin:"+token)
	} else {
		cmd = exec.CommandContext(ctx, tg.bin, "--addr", addr, "--token", token)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return sample{}, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	server := "http://" + addr
	if err := waitHealthy(ctx, server); err != nil {
		b, _ := os.ReadFile(logf.Name())
		return sample{}, fmt.Errorf("%w: %s", err, b)
	}
	time.Sleep(2 * time.Second) // model loading, the first GC
	pid := cmd.Process.Pid
	idle, err := rssMB(pid)
	if err != nil {
		return sample{}, err
	}
	cpu0, err := cpuSeconds(pid)
	if err != nil {
		return sample{}, err
	}
	peak := idle
	stopWatch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // peak RSS while the calls run
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopWatch:
				return
			case <-t.C:
				if r, err := rssMB(pid); err == nil {
					peak = max(peak, r)
				}
			}
		}
	}()
	rep, err := loadgen.Run(ctx, loadgen.Params{Server: server, Token: token, Calls: n, Channels: chans,
		Opus: pkts, NoCues: !isUT, Log: o.log, RunID: fmt.Sprintf("lb%d", time.Now().UnixNano()%1e6)})
	close(stopWatch)
	wg.Wait()
	if err != nil {
		return sample{}, err
	}
	cpu1, err := cpuSeconds(pid)
	if err != nil {
		return sample{}, err
	}
	parties := rep.Parties - rep.Failed*len(chans)
	if parties <= 0 {
		return sample{}, errors.New("every call failed")
	}
	media := float64(len(chans[0])) / 8000
	return sample{cpuPct: 100 * (cpu1 - cpu0) / (media * float64(parties)), rssCall: (peak - idle) / float64(n),
		idleRSS: idle, rep: rep, lostPkts: rep.PacketsLost}, nil
}

func waitHealthy(ctx context.Context, server string) error {
	for range 300 {
		if resp, err := http.Get(server + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("server did not become healthy in 30 s")
}

// cpuSeconds is utime+stime of pid (proc(5): fields 14 and 15, in clock ticks of 1/100 s).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, nil
}

// rssMB is VmRSS of pid in MB.
func rssMB(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}
