package server_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/server/servertest"
)

// Agent desks and waiting subscriptions at scale, on a real node (servertest):
//
//	go test -run '^$' -bench 'Desk' -benchtime 1x ./internal/server/
//
// BenchmarkDeskCallStarted: 50 agents' desks (GET /v1/ws/agent, one agent token each) are
// open; 50 calls, one per agent, start over Twilio media streams within 10 s (one every
// 200 ms). Reported: the time from each call's call.started (its ts, which the node stamps
// when the call is admitted; millisecond resolution) to its arrival on its agent's desk,
// p50 and p99, and the time from the Twilio "start" message leaving the client to the
// desk (admission included). "audio": every call also streams 8 kHz speech-band audio in
// real time, so 50 full pipelines run while the later calls start; "signalling": the
// calls send no audio, so only admission and the fan-out are measured.
//
// BenchmarkDeskMemory: the heap and goroutine-stack growth per open desk (idle: no calls)
// and per subscription waiting for a call that has not started (GET /v1/ws/calls/{id}),
// over 400 of each. The clients are bare sockets that did the websocket handshake (no
// client library buffers), so the delta is the node's cost plus about 0.3 KB of client
// socket each.

const deskAgents = 50

func deskTokens(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ",agent:desk-bench-token-%02d:D%02d", i, i)
	}
	return b.String()
}

func BenchmarkDeskCallStarted(b *testing.B) {
	for _, audio := range []bool{true, false} {
		name := "signalling"
		if audio {
			name = "audio"
		}
		b.Run(name, func(b *testing.B) {
			var tsToDesk, startToDesk []time.Duration
			for i := 0; i < b.N; i++ {
				a, s := deskScenario(b, audio, i)
				tsToDesk, startToDesk = append(tsToDesk, a...), append(startToDesk, s...)
			}
			slices.Sort(tsToDesk)
			slices.Sort(startToDesk)
			b.ReportMetric(ms(pct(tsToDesk, 0.50)), "p50-ms")
			b.ReportMetric(ms(pct(tsToDesk, 0.99)), "p99-ms")
			b.ReportMetric(ms(pct(startToDesk, 0.50)), "start-p50-ms")
			b.ReportMetric(ms(pct(startToDesk, 0.99)), "start-p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// deskScenario runs one round: 50 desks, 50 calls within 10 s. It returns, per call, the
// call.started ts → desk and the client's start → desk durations.
func deskScenario(b *testing.B, audio bool, round int) (tsToDesk, startToDesk []time.Duration) {
	b.Helper()
	n := servertest.New(b, func(c *config.Config) {
		c.Tokens += deskTokens(deskAgents)
		c.IdleTimeout = 30 * time.Second // a silent call lives until the round ends
		c.Telephony.MaxCallsPerToken = 0
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	sent := map[string]time.Time{}
	got := map[string]bool{}
	all := make(chan struct{})
	var wrong []string
	var wg sync.WaitGroup
	for i := range deskAgents {
		c, _, err := websocket.DefaultDialer.DialContext(ctx, n.WS()+"/v1/ws/agent",
			http.Header{"Authorization": {fmt.Sprintf("Bearer desk-bench-token-%02d", i)}})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		own := fmt.Sprintf("desk-%d-%02d", round, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				at := time.Now()
				var ev struct {
					Type string `json:"type"`
					Call string `json:"call"`
					TS   int64  `json:"ts"`
				}
				if json.Unmarshal(msg, &ev) != nil || ev.Type != "call.started" {
					continue
				}
				mu.Lock()
				if ev.Call != own {
					wrong = append(wrong, ev.Call)
				} else if !got[ev.Call] {
					got[ev.Call] = true
					tsToDesk = append(tsToDesk, at.Sub(time.UnixMilli(ev.TS)))
					startToDesk = append(startToDesk, at.Sub(sent[ev.Call]))
					if len(got) == deskAgents {
						close(all)
					}
				}
				mu.Unlock()
			}
		}()
	}

	tone := servertest.Tone(220, 14)
	var streams sync.WaitGroup
	var clients []*twilio.Client
	b.ResetTimer()
	for i := range deskAgents {
		id := fmt.Sprintf("desk-%d-%02d", round, i)
		tw, err := twilio.Dial(ctx, n.WS()+"/v1/media/twilio", servertest.IntegratorToken)
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, tw)
		mu.Lock()
		sent[id] = time.Now()
		mu.Unlock()
		if err := tw.Start("CA"+id, "MZ"+id, []string{"inbound"}, map[string]string{"call": id, "agent": fmt.Sprintf("D%02d", i)}); err != nil {
			b.Fatal(err)
		}
		if audio {
			streams.Add(1)
			go func() {
				defer streams.Done()
				_ = ingest.PlayFrames(ctx, [][]int16{tone}, nil, func(_, _ int, fr []int16) error { return tw.Media("inbound", fr) })
			}()
		}
		time.Sleep(200 * time.Millisecond) // 50 calls in 10 s
	}
	select {
	case <-all:
	case <-ctx.Done():
		mu.Lock()
		b.Fatalf("only %d of %d calls reached their desks", len(got), deskAgents)
	}
	b.StopTimer()
	cancel() // stops the audio
	streams.Wait()
	for _, tw := range clients {
		_ = tw.Stop()
		_ = tw.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(wrong) > 0 {
		b.Errorf("calls reached another agent's desk: %v", wrong)
	}
	return tsToDesk, startToDesk
}

func BenchmarkDeskMemory(b *testing.B) {
	const count = 400
	n := servertest.New(b, func(c *config.Config) {
		var t strings.Builder
		for i := range count / 16 { // 16 waiting subscriptions per token
			fmt.Fprintf(&t, ",agent:desk-wait-token-%02d", i)
		}
		c.Tokens += deskTokens(count) + t.String()
		c.HTTP.MaxConnsPerSource = 4 * count
	})
	addr := strings.TrimPrefix(n.URL(), "http://")
	measure := func(name string, path func(i int) (string, string)) {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				heap0, stack0 := settle()
				conns := make([]net.Conn, 0, count)
				for i := range count {
					p, tok := path(i)
					c, err := rawWebsocket(addr, p, tok)
					if err != nil {
						b.Fatalf("%s %d: %v", name, i, err)
					}
					conns = append(conns, c)
				}
				time.Sleep(300 * time.Millisecond) // every handler is attached
				heap1, stack1 := settle()
				b.ReportMetric(float64(int64(heap1)-int64(heap0))/count/1024, "heap-KiB/sub")
				b.ReportMetric(float64(int64(stack1)-int64(stack0))/count/1024, "stack-KiB/sub")
				b.ReportMetric(float64(int64(heap1+stack1)-int64(heap0+stack0))/count/1024, "KiB/sub")
				for _, c := range conns {
					c.Close()
				}
				time.Sleep(300 * time.Millisecond)
			}
			b.ReportMetric(0, "ns/op")
		})
	}
	measure("desk", func(i int) (string, string) {
		return "/v1/ws/agent", fmt.Sprintf("desk-bench-token-%02d", i)
	})
	measure("waiting", func(i int) (string, string) {
		return fmt.Sprintf("/v1/ws/calls/not-yet-%04d", i), fmt.Sprintf("desk-wait-token-%02d", i/16)
	})
}

// settle collects garbage and returns the live heap and the goroutine stacks in use.
func settle() (heap, stack uint64) {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.StackInuse
}

// rawWebsocket does a websocket handshake on a bare TCP connection and returns it: a
// subscriber that costs the client almost nothing, so the heap delta is the server's.
func rawWebsocket(addr, path, token string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n",
		path, addr, base64.StdEncoding.EncodeToString(key), token)
	res, err := http.ReadResponse(bufio.NewReaderSize(c, 1024), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("handshake: %s", res.Status)
	}
	return c, nil
}
