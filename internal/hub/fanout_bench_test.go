package hub_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/bus"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/metrics"
)

// BenchmarkFanout drives N calls × 2 websocket viewers each through the real in-process
// bus and hub, over real loopback sockets whose readers keep up: one publishing goroutine
// per call (as a party's hot path is), every event a typical level cue. It reports the
// cost per published event and the p99 time a publisher spends inside Publish (the emit
// latency a call's hot path sees). Flat across N means calls do not wait on each other.
//
//	go test -run '^$' -bench Fanout -benchtime 20000x -mutexprofile mutex.out ./internal/hub/
func BenchmarkFanout(b *testing.B) {
	for _, calls := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("calls=%d/viewers=2", calls), func(b *testing.B) { benchFanout(b, calls, 2) })
	}
}

func benchFanout(b *testing.B, calls, viewers int) {
	h := hub.New(hub.Config{QueueLen: 1024}, slog.New(slog.DiscardHandler), metrics.Discard())
	bs := bus.NewLocal()
	unsub := bs.Subscribe(h.Publish)
	defer unsub()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = h.Serve(w, r, hub.Subscription{Call: r.URL.Query().Get("call")})
	}))
	defer srv.Close()
	ids := make([]string, calls)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-%d", i)
		start, _ := event.Marshal(&event.Event{V: 1, Type: event.CallStarted, Call: ids[i], Seq: 1})
		bs.Publish(start)
	}
	var conns []*websocket.Conn
	var readers sync.WaitGroup
	for _, id := range ids {
		for range viewers {
			c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/?call="+id, nil)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}()
		}
	}
	body := []byte(`{"v":1,"type":"level","call":"bench-0","seq":2,"ts":1800000000000,"party":"customer","t":1.5,"data":{"dbfs":-23.4,"peak":-12.1}}`)
	per := max(1, b.N/calls)
	lat := make([][]time.Duration, calls)
	b.ResetTimer()
	var pubs sync.WaitGroup
	for i, id := range ids {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			l := make([]time.Duration, 0, per)
			for s := range per {
				raw := event.Raw{Type: event.Level, Call: id, Seq: uint64(s + 2), Party: event.Customer, Body: body}
				t0 := time.Now()
				bs.Publish(raw)
				l = append(l, time.Since(t0))
			}
			lat[i] = l
		}()
	}
	pubs.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)*99/100].Nanoseconds()), "p99-publish-ns")
	b.ReportMetric(float64(all[len(all)/2].Nanoseconds()), "p50-publish-ns")
	for _, c := range conns {
		c.Close()
	}
	readers.Wait()
}
