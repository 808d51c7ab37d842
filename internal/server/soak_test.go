package server_test

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/server/servertest"
)

var soak = flag.Bool("soak", false, "run the memory soak (minutes): go test ./internal/server -run Soak -v -timeout 20m -args -soak")

// TestSoakMemoryPerCall measures what a call costs a node and that ended calls are let
// go: heap and RSS per live call (200 calls, both parties, real-time audio over
// AudioSocket), per ended call a minute later (the hub keeps an ended call's events for
// reconnecting viewers, trimmed after 30 s), and the heap after 10,000 short calls, which
// must level off rather than grow with the count. Behind -soak: it takes minutes.
func TestSoakMemoryPerCall(t *testing.T) {
	if !*soak {
		t.Skip("memory soak: -soak")
	}
	n := servertest.New(t, func(c *config.Config) {
		c.AudioSocketAddr = "127.0.0.1:0"
		c.MaxCalls = 0
		c.IdleTimeout = 10 * time.Second
	})
	addr := n.AudioSocket.Addr().String()
	base := measure()
	t.Logf("idle node: heap %.1f MB, RSS %.1f MB", base.heap, base.rss)

	const live = 200
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var clients []*audiosocket.Client
	var mu sync.Mutex
	tones := map[string][]int16{"0": servertest.Tone(200, 60), "1": servertest.Tone(300, 60)} // shared: the clients' memory is not the node's
	for i := 0; i < live; i++ {
		prefix := randomPrefix()
		for _, suffix := range []string{"0", "1"} {
			c, err := audiosocket.Dial(addr, prefix+suffix)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			clients = append(clients, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = ingest.PlayFrames(ctx, [][]int16{tones[suffix]}, nil, func(_, _ int, fr []int16) error { return c.WriteAudio(fr) })
			}()
		}
	}
	time.Sleep(20 * time.Second) // every call has history, emotion, dynamics
	withCalls := measure()
	t.Logf("%d live calls: heap %.1f MB, RSS %.1f MB → per live call heap %.0f KiB, RSS %.0f KiB (hub holds %+v)",
		n.Registry.Live(), withCalls.heap, withCalls.rss, (withCalls.heap-base.heap)*1024/live,
		(withCalls.rss-base.rss)*1024/live, n.Hub.Stats())
	cancel()
	for _, c := range clients {
		_ = c.Hangup()
		c.Close()
	}
	wg.Wait()
	time.Sleep(65 * time.Second) // trimmed after 30 s, swept every 30 s
	n.Hub.Sweep()
	ended := measure()
	t.Logf("a minute after they ended: heap %.1f MB, RSS %.1f MB → per ended call heap %.1f KiB (hub %+v)",
		ended.heap, ended.rss, (ended.heap-base.heap)*1024/live, n.Hub.Stats())

	// 10,000 short calls, 200 at a time, one party, half a second of audio each.
	half := servertest.Tone(220, 0.5)
	short := func(count int) {
		sem := make(chan struct{}, 200)
		var wg sync.WaitGroup
		for i := 0; i < count; i++ {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				c, err := audiosocket.Dial(addr, randomPrefix()+"0")
				if err != nil {
					return
				}
				defer c.Close()
				_ = ingest.PlayFrames(context.Background(), [][]int16{half}, nil,
					func(_, _ int, fr []int16) error { return c.WriteAudio(fr) })
				_ = c.Hangup()
			}()
		}
		wg.Wait()
	}
	var marks []string
	for done := 0; done < 10000; done += 2500 {
		short(2500)
		time.Sleep(2 * time.Second)
		m := measure()
		marks = append(marks, fmt.Sprintf("%d: heap %.1f MB", done+2500, m.heap))
	}
	time.Sleep(65 * time.Second)
	n.Hub.Sweep()
	after := measure()
	t.Logf("10,000 short calls: %s; a minute later heap %.1f MB, RSS %.1f MB (hub %+v)",
		strings.Join(marks, ", "), after.heap, after.rss, n.Hub.Stats())
	if after.heap > base.heap+150 {
		t.Errorf("heap grew from %.1f to %.1f MB over 10,000 ended calls", base.heap, after.heap)
	}
}

type mem struct{ heap, rss float64 } // MB

func measure() mem {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := mem{heap: float64(ms.HeapInuse) / (1 << 20)}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.rss = kb / 1024
			}
		}
	}
	return m
}

// randomPrefix is an AudioSocket UUID without its last digit (the suffix mapping pairs
// …0 and …1 as customer and agent of one call).
func randomPrefix() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return audiosocket.FormatUUID(b[:])[:35]
}
