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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/whipclient"
)

// Params of a run.
type Params struct {
	Server  string
	Token   string // needs ingest and view rights (admin), or set WSToken
	WSToken string // token for the websockets, if different
	// Watch is the base URL of the node whose websockets carry the cues [Server]: another
	// node of the same cluster measures onset → cue across the bus, and its CPU is
	// reported beside the ingest node's.
	Watch    string
	Calls    int           // concurrent calls
	Stagger  time.Duration // between call starts [50ms]
	Channels [][]int16     // the audio every call plays, at whipclient.Rate
	RunID    string        // call id prefix
	Log      *slog.Logger
	// Opus, when set, is sent instead of Channels encoded as PCMU: per party, one 20 ms
	// Opus packet per 20 ms frame of Channels (EncodeOpus), which still time the onsets.
	Opus [][][]byte
	// NoCues: the server sends no events (the transport floor, cmd/undertone-floor), so
	// no websocket is opened and no latency measured; CPU and loss still come from /metrics.
	NoCues bool
}

// Report is the outcome of a run.
type Report struct {
	Calls, Failed, Parties int
	Wall                   time.Duration
	Onsets, Matched        int
	// Early: speech starts that arrived just before their onset was sent; Continued:
	// onsets sent while the VAD still held the previous phrase; Missed: onsets without a
	// start within maxLatency.
	Early, Continued, Missed int
	LatencyP50, LatencyP99   time.Duration
	LatencyMax               time.Duration
	ServerCPUSeconds         float64 // process_cpu_seconds_total delta
	WatchCPUSeconds          float64 // the same on the Watch node, when it is another node
	CPUPerPartyPct           float64 // % of one core per party stream
	PacketsLost              float64
	Events                   int
}

func (r Report) String() string {
	s := fmt.Sprintf("calls=%d failed=%d parties=%d wall=%s onsets=%d matched=%d early=%d continued=%d missed=%d latency p50=%s p99=%s max=%s "+
		"server_cpu=%.2fs cpu_per_party=%.2f%% packets_lost=%.0f events=%d",
		r.Calls, r.Failed, r.Parties, r.Wall.Round(time.Millisecond), r.Onsets, r.Matched, r.Early, r.Continued, r.Missed,
		r.LatencyP50.Round(time.Millisecond), r.LatencyP99.Round(time.Millisecond), r.LatencyMax.Round(time.Millisecond),
		r.ServerCPUSeconds, r.CPUPerPartyPct, r.PacketsLost, r.Events)
	if r.WatchCPUSeconds > 0 {
		s += fmt.Sprintf(" watch_node_cpu=%.2fs", r.WatchCPUSeconds)
	}
	return s
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

// Onsets returns the 20 ms frame indexes where speech starts: the first frame louder
// than a threshold after at least 300 ms below it. The threshold is 12 dB over the
// channel's noise floor (the 10th percentile of its frame levels), kept within
// −50…−40 dBFS: an absolute −40 dBFS misses the start of quiet speech (RAVDESS clips
// sit at −50…−38 dBFS) and marks an onset in the middle of a phrase the VAD had already
// opened, which the latency probe then matched with a later event.
func Onsets(ch []int16) []int {
	const frame = whipclient.FrameSamples
	levels := make([]float64, len(ch)/frame)
	for f := range levels {
		var e float64
		for _, v := range ch[f*frame : (f+1)*frame] {
			e += float64(v) * float64(v)
		}
		levels[f] = 10*math.Log10(e/frame+1e-9) - 90.3
	}
	if len(levels) == 0 {
		return nil
	}
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	thr := min(max(sorted[len(sorted)/10]+12, -50), -40)
	var out []int
	quiet := 15
	for f, db := range levels {
		if db > thr {
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
	mu       sync.Mutex
	onsets   [][]int       // per party: onset frame indexes
	sent     [][]time.Time // per party: send time of each onset (zero until sent)
	starts   [][]time.Time // per party: arrival of each speech start (a vad event turning speech on)
	stops    [][]time.Time // per party: arrival of each speech end
	speaking []bool        // per party: the last vad event said speech
	events   int
}

func newProbe(onsets [][]int) *probe {
	n := len(onsets)
	pr := &probe{onsets: onsets, sent: make([][]time.Time, n), starts: make([][]time.Time, n),
		stops: make([][]time.Time, n), speaking: make([]bool, n)}
	for k := range onsets {
		pr.sent[k] = make([]time.Time, len(onsets[k]))
	}
	return pr
}

// earlySlack is how long before an onset's frame was sent a speech start may arrive and
// still be that onset's (latency 0): the VAD opens on speech softer than the onset
// threshold, up to the 300 ms of quiet an onset needs before it.
const earlySlack = 150 * time.Millisecond

// maxLatency: an onset without a speech start within this long was missed.
const maxLatency = 2 * time.Second

// vad records a vad event of party k: only a change to speech is a speech start (the
// stream repeats the current state every second, which must not count as a start).
func (pr *probe) vad(k int, speech bool, recv time.Time) {
	if k < 0 {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	switch {
	case speech && !pr.speaking[k]:
		pr.starts[k] = append(pr.starts[k], recv)
	case !speech && pr.speaking[k]:
		pr.stops[k] = append(pr.stops[k], recv)
	}
	pr.speaking[k] = speech
}

// latencies pairs each sent onset with the first speech start that arrived from
// earlySlack before it until maxLatency after it, and before the next onset's slack:
// latency = arrival − send, 0 for an early start. An onset sent while the party's speech
// was still on (the VAD bridged the pause before it: breath or room noise over its
// margin) has nothing to start and is counted as continued, not missed. It returns the
// latencies and how many onsets were early, continued and missed (no start).
func (pr *probe) latencies() (lat []time.Duration, early, continued, missed int) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for k, sent := range pr.sent {
		starts := pr.starts[k]
		for j, s := range sent {
			if s.IsZero() {
				continue // never sent (the call failed)
			}
			until := s.Add(maxLatency)
			if j+1 < len(sent) && !sent[j+1].IsZero() && sent[j+1].Add(-earlySlack).Before(until) {
				until = sent[j+1].Add(-earlySlack)
			}
			i, _ := slices.BinarySearchFunc(starts, s.Add(-earlySlack), time.Time.Compare)
			if on := pr.speakingAt(k, s.Add(-earlySlack)); on {
				continued++
				continue
			}
			if i == len(starts) || !starts[i].Before(until) {
				missed++
				continue
			}
			d := starts[i].Sub(s)
			if d < 0 {
				d, early = 0, early+1
			}
			lat = append(lat, d)
		}
	}
	return lat, early, continued, missed
}

// speakingAt reports whether party k's speech was on at t by the events received.
func (pr *probe) speakingAt(k int, t time.Time) bool {
	cmp := func(a, b time.Time) int { return a.Compare(b) }
	i, _ := slices.BinarySearchFunc(pr.starts[k], t, cmp) // starts before t
	j, _ := slices.BinarySearchFunc(pr.stops[k], t, cmp)
	if i == 0 {
		return false
	}
	return j == 0 || pr.stops[k][j-1].Before(pr.starts[k][i-1])
}

// Run plays p.Calls concurrent WHIP calls and waits for them to end: RunPeers with the
// WHIP dialer, so every protocol is measured by the same loop.
func Run(ctx context.Context, p Params) (Report, error) {
	if p.Opus != nil {
		return RunPeers(ctx, p, WHIPOpusDialer(p.Server, p.Token, p.Opus))
	}
	return RunPeers(ctx, p, WHIPDialer(p.Server, p.Token, len(p.Channels)))
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
