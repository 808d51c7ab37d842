// Package loadgen runs N concurrent replayed calls against an undertone server over WHIP
// or any telephony protocol (one Dialer each, one measuring loop), watches each call's
// websocket, and reports what a capacity plan needs: latency from an
// audio onset in the file to the matching voice-activity event (p50/p99), the server's
// CPU per party stream (from its own process metrics) and packets lost.
//
// It only talks to the server it is given (loopback in tests and make targets).
package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/whipclient"
)

// Params of a run.
type Params struct {
	Server   string
	Token    string        // needs ingest and view rights (admin), or set WSToken
	WSToken  string        // token for the websockets, if different
	Calls    int           // concurrent calls
	Stagger  time.Duration // between call starts [50ms]
	Channels [][]int16     // the audio every call plays, at whipclient.Rate
	RunID    string        // call id prefix
	Log      *slog.Logger
}

// Report is the outcome of a run.
type Report struct {
	Calls, Failed, Parties int
	Wall                   time.Duration
	Onsets, Matched        int
	LatencyP50, LatencyP99 time.Duration
	LatencyMax             time.Duration
	ServerCPUSeconds       float64 // process_cpu_seconds_total delta
	CPUPerPartyPct         float64 // % of one core per party stream
	PacketsLost            float64
	Events                 int
}

func (r Report) String() string {
	return fmt.Sprintf("calls=%d failed=%d parties=%d wall=%s onsets=%d matched=%d latency p50=%s p99=%s max=%s "+
		"server_cpu=%.2fs cpu_per_party=%.2f%% packets_lost=%.0f events=%d",
		r.Calls, r.Failed, r.Parties, r.Wall.Round(time.Millisecond), r.Onsets, r.Matched,
		r.LatencyP50.Round(time.Millisecond), r.LatencyP99.Round(time.Millisecond), r.LatencyMax.Round(time.Millisecond),
		r.ServerCPUSeconds, r.CPUPerPartyPct, r.PacketsLost, r.Events)
}

// ToneBursts is synthetic call audio for latency figures: one channel per party of
// seconds length, 1 s of line noise then bursts of 600 ms voiced tone (harmonics of 150 Hz
// for the customer, 210 Hz for the agent) and 900 ms of line noise, the parties
// alternating so each onset is clean. Tone at −16 dBFS over white noise at about −60 dBFS:
// a real line is never digitally silent, and the server's VAD ignores digital silence
// when it tracks the noise floor, so gaps of pure zeros would let the floor climb to the
// tone's level after some twenty seconds and the later onsets would go unheard.
func ToneBursts(seconds float64, parties int) [][]int16 {
	n := int(seconds*whipclient.Rate) / whipclient.FrameSamples * whipclient.FrameSamples
	out := make([][]int16, parties)
	seed := uint32(12345)
	noise := func() float64 { // uniform in [-1, 1), deterministic
		seed = seed*1664525 + 1013904223
		return float64(int32(seed)) / (1 << 31)
	}
	for p := range out {
		out[p] = make([]int16, n)
		f0 := 150.0 + 60*float64(p)
		offset := 1.0 + 0.75*float64(p)
		for i := range out[p] {
			t := float64(i) / whipclient.Rate
			v := 0.0017 * noise() // uniform ±0.0017 ≈ −60 dBFS rms
			if t >= offset && math.Mod(t-offset, 1.5) < 0.6 {
				v += 0.09 * (math.Sin(2*math.Pi*f0*t) + 0.5*math.Sin(4*math.Pi*f0*t) + 0.25*math.Sin(6*math.Pi*f0*t))
			}
			out[p][i] = int16(32767 * v)
		}
	}
	return out
}

// Onsets returns the 20 ms frame indexes where speech starts after at least 300 ms of
// silence (frame RMS above -40 dBFS).
func Onsets(ch []int16) []int {
	var out []int
	quiet := 15
	for f := 0; (f+1)*whipclient.FrameSamples <= len(ch); f++ {
		var e float64
		for _, v := range ch[f*whipclient.FrameSamples : (f+1)*whipclient.FrameSamples] {
			e += float64(v) * float64(v)
		}
		db := 10*math.Log10(e/whipclient.FrameSamples+1e-9) - 90.3
		if db > -40 {
			if quiet >= 15 {
				out = append(out, f)
			}
			quiet = 0
		} else {
			quiet++
		}
	}
	return out
}

type probe struct {
	mu     sync.Mutex
	onsets [][]int         // per party: onset frame indexes
	sent   [][]time.Time   // per party: send time of each onset (zero until sent)
	next   []int           // per party: next onset to match
	lat    []time.Duration // measured
	events int
}

// Run plays p.Calls concurrent WHIP calls and waits for them to end: RunPeers with the
// WHIP dialer, so every protocol is measured by the same loop.
func Run(ctx context.Context, p Params) (Report, error) {
	return RunPeers(ctx, p, WHIPDialer(p.Server, p.Token, len(p.Channels)))
}

// match pairs a speech-start event of party k with the oldest unmatched onset sent before it.
func (pr *probe) match(k int, recv time.Time) {
	if k < 0 {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for pr.next[k] < len(pr.sent[k]) {
		j := pr.next[k]
		s := pr.sent[k][j]
		if s.IsZero() || s.After(recv) {
			return // speech event before the onset was sent: noise, ignore
		}
		pr.next[k]++
		if d := recv.Sub(s); d < 2*time.Second {
			pr.lat = append(pr.lat, d)
			return
		}
		// more than 2 s late: the onset was missed; try the next one
	}
}

// scrape reads the server's CPU seconds and packets-lost counters from /metrics.
func scrape(ctx context.Context, server, token string) (cpu, lost float64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(server, "/")+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("loadgen: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, 0, fmt.Errorf("loadgen: metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		v, perr := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if perr != nil {
			continue
		}
		switch {
		case name == "process_cpu_seconds_total":
			cpu = v
		case strings.HasPrefix(name, "undertone_packets_lost_total"):
			lost += v
		}
	}
	return cpu, lost, sc.Err()
}
