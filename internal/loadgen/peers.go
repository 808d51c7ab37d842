package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/whipclient"
)

// Peer is one call through any ingest protocol, carrying both parties (WHIPDialer below;
// telephony.go has one per protocol: SIPREC, AudioSocket, Twilio, AudioHook).
type Peer interface {
	CallID() string
	// Play sends channels (customer, agent at 8 kHz) in real time, 20 ms a frame, and
	// calls onFrame after frame f went out.
	Play(ctx context.Context, channels [][]int16, onFrame func(f int, sent time.Time)) error
	Hangup(ctx context.Context) error
}

// Dialer opens a call with the suggested id (a protocol may choose its own; Peer.CallID
// says which).
type Dialer func(ctx context.Context, id string) (Peer, error)

// WHIPDialer opens WHIP calls with token: the customer, and the agent when parties is 2,
// as tracks of one peer connection.
func WHIPDialer(server, token string, parties int) Dialer {
	ps := []event.Party{event.Customer, event.Agent}[:min(max(parties, 1), 2)]
	return func(ctx context.Context, id string) (Peer, error) {
		pub, err := whipclient.Dial(ctx, whipclient.Params{Server: server, Token: token, Call: id, Parties: ps})
		if err != nil {
			return nil, err
		}
		return whipPeer{pub: pub}, nil
	}
}

// WHIPOpusDialer opens WHIP calls that send Opus: packets[k] holds party k's 20 ms
// packets (EncodeOpus), one per 20 ms frame of the channels Play is given, which then
// only time the frames (for the onset probes).
func WHIPOpusDialer(server, token string, packets [][][]byte) Dialer {
	ps := []event.Party{event.Customer, event.Agent}[:min(max(len(packets), 1), 2)]
	return func(ctx context.Context, id string) (Peer, error) {
		pub, err := whipclient.Dial(ctx, whipclient.Params{Server: server, Token: token, Call: id, Parties: ps, Codec: "opus"})
		if err != nil {
			return nil, err
		}
		return whipPeer{pub: pub, opus: packets}, nil
	}
}

type whipPeer struct {
	pub  *whipclient.Publisher
	opus [][][]byte // nil: PCMU from the channels
}

func (p whipPeer) CallID() string { return p.pub.Call() }
func (p whipPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	if p.opus == nil {
		return p.pub.Play(ctx, ch, on)
	}
	return ingest.PlayFrames(ctx, ch[:len(p.opus)], on, func(f, i int, _ []int16) error {
		if f >= len(p.opus[i]) {
			return nil // the encoder's last packet came before the channel's end
		}
		return p.pub.WritePacket(i, p.opus[i][f], 20*time.Millisecond)
	})
}
func (p whipPeer) Hangup(ctx context.Context) error { return p.pub.Close(ctx) }

// RunPeers plays p.Calls concurrent calls through any protocol: p.Calls concurrent calls opened with dial, each
// watched on its websocket for the onset → vad latency; CPU and loss from /metrics.
func RunPeers(ctx context.Context, p Params, dial Dialer) (Report, error) {
	if p.Calls < 1 || len(p.Channels) == 0 {
		return Report{}, fmt.Errorf("loadgen: need calls ≥ 1 and audio")
	}
	if p.Stagger == 0 {
		p.Stagger = 50 * time.Millisecond
	}
	if p.WSToken == "" {
		p.WSToken = p.Token
	}
	if p.RunID == "" {
		p.RunID = fmt.Sprintf("load-%d", time.Now().UnixNano()%1e9)
	}
	parties := []event.Party{event.Customer, event.Agent}[:len(p.Channels)]
	onsets := make([][]int, len(parties))
	total := 0
	for i, ch := range p.Channels {
		onsets[i] = Onsets(ch)
		total += len(onsets[i])
	}
	if p.Watch == "" {
		p.Watch = p.Server
	}
	other := strings.TrimRight(p.Watch, "/") != strings.TrimRight(p.Server, "/")
	cpu0, lost0, err := scrape(ctx, p.Server, p.Token)
	if err != nil {
		return Report{}, err
	}
	var wcpu0 float64
	if other {
		if wcpu0, _, err = scrape(ctx, p.Watch, p.Token); err != nil {
			return Report{}, err
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	probes := make([]*probe, p.Calls)
	errs := make([]error, p.Calls)
	for i := 0; i < p.Calls; i++ {
		pr := newProbe(onsets)
		probes[i] = pr
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = runPeer(ctx, p, dial, fmt.Sprintf("%s-%04d", p.RunID, i), parties, pr)
		}()
		select {
		case <-ctx.Done():
		case <-time.After(p.Stagger):
		}
	}
	wg.Wait()
	wall := time.Since(start)
	cpu1, lost1, err := scrape(ctx, p.Server, p.Token)
	if err != nil {
		return Report{}, err
	}
	r := Report{Calls: p.Calls, Parties: p.Calls * len(parties), Wall: wall, ServerCPUSeconds: cpu1 - cpu0,
		PacketsLost: lost1 - lost0}
	if other {
		wcpu1, _, err := scrape(ctx, p.Watch, p.Token)
		if err != nil {
			return Report{}, err
		}
		r.WatchCPUSeconds = wcpu1 - wcpu0
	}
	var lat []time.Duration
	for i, pr := range probes {
		if errs[i] != nil {
			r.Failed++
			if p.Log != nil {
				p.Log.Warn("call failed", "i", i, "err", errs[i])
			}
			continue
		}
		if p.NoCues {
			continue
		}
		r.Onsets += total
		l, early, continued, missed := pr.latencies()
		lat = append(lat, l...)
		r.Early += early
		r.Continued += continued
		r.Missed += missed
		r.Events += pr.events
	}
	r.Matched = len(lat)
	if len(lat) > 0 {
		slices.Sort(lat)
		r.LatencyP50 = lat[len(lat)/2]
		r.LatencyP99 = lat[min(len(lat)-1, len(lat)*99/100)]
		r.LatencyMax = lat[len(lat)-1]
	}
	media := time.Duration(len(p.Channels[0])) * time.Second / whipclient.Rate
	if ok := r.Parties - r.Failed*len(parties); ok > 0 {
		r.CPUPerPartyPct = 100 * r.ServerCPUSeconds / (media.Seconds() * float64(ok))
	}
	return r, nil
}

func runPeer(ctx context.Context, p Params, dial Dialer, id string, parties []event.Party, pr *probe) error {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	peer, err := dial(dctx, id)
	cancel()
	if err != nil {
		return err
	}
	id = peer.CallID()
	if p.NoCues {
		playErr := peer.Play(ctx, p.Channels, nil)
		hctx, hcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer hcancel()
		return errors.Join(playErr, peer.Hangup(hctx))
	}
	// The call may be opened asynchronously by the protocol: the websocket replays its
	// history, so retry briefly until it exists.
	wsURL := "ws" + strings.TrimPrefix(strings.TrimRight(p.Watch, "/"), "http") + "/v1/ws/calls/" + id + "?token=" + p.WSToken
	var conn *websocket.Conn
	for i := 0; ; i++ {
		conn, _, err = websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		_ = peer.Hangup(context.Background())
		return fmt.Errorf("loadgen: websocket %s: %w", id, err)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			now := time.Now()
			var ev struct {
				Type  string          `json:"type"`
				Party event.Party     `json:"party"`
				Data  json.RawMessage `json:"data"`
			}
			if json.Unmarshal(b, &ev) != nil {
				continue
			}
			pr.mu.Lock()
			pr.events++
			pr.mu.Unlock()
			switch ev.Type {
			case event.VAD:
				var v event.VADData
				if json.Unmarshal(ev.Data, &v) == nil {
					pr.vad(slices.Index(parties, ev.Party), v.Speech, now)
				}
			case event.CallEnded:
				return
			}
		}
	}()
	onsetIdx := make([]map[int]int, len(parties))
	for k := range parties {
		onsetIdx[k] = map[int]int{}
		for j, f := range pr.onsets[k] {
			onsetIdx[k][f] = j
		}
	}
	playErr := peer.Play(ctx, p.Channels, func(f int, sent time.Time) {
		for k := range parties {
			if j, ok := onsetIdx[k][f]; ok {
				pr.mu.Lock()
				pr.sent[k][j] = sent
				pr.mu.Unlock()
			}
		}
	})
	hctx, hcancel := context.WithTimeout(context.Background(), 10*time.Second)
	hangErr := peer.Hangup(hctx)
	hcancel()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
	}
	conn.Close()
	if playErr != nil {
		return playErr
	}
	return hangErr
}

// playFrames paces whole 20 ms frames of every channel (ingest.PlayFrames).
func playFrames(ctx context.Context, channels [][]int16, onFrame func(int, time.Time), send func(i int, frame []int16) error) error {
	return ingest.PlayFrames(ctx, channels, onFrame, func(_, i int, fr []int16) error { return send(i, fr) })
}
