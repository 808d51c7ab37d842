package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/loadgen"
	"github.com/undertone/undertone/internal/whipclient"
)

// A real pion publisher sends two PCMU tracks to the floor; every packet is decoded and
// counted on /metrics, and DELETE ends the session.
func TestFloorDecodesWHIP(t *testing.T) {
	if testing.Short() {
		t.Skip("plays a real-time call")
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--token", "floor-token"}, io.Discard, func(a string) { addrc <- a })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	server := "http://" + <-addrc
	pub, err := whipclient.Dial(ctx, whipclient.Params{Server: server, Token: "floor-token", Call: "f1",
		Parties: []event.Party{event.Customer, event.Agent}})
	if err != nil {
		t.Fatal(err)
	}
	if pub.Call() != "f1" {
		t.Errorf("call %q", pub.Call())
	}
	if err := pub.Play(ctx, loadgen.ToneBursts(1, 2), nil); err != nil {
		t.Fatal(err)
	}
	var got float64
	for i := 0; i < 50 && got < 100; i++ { // 2 × 50 packets, the last few may be in flight
		time.Sleep(20 * time.Millisecond)
		got = metric(t, server, "undertone_packets_total")
	}
	if got < 96 || got > 100 {
		t.Errorf("%.0f packets decoded, want 100", got)
	}
	if err := pub.Close(ctx); err != nil {
		t.Errorf("hangup: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, server+"/metrics", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("metrics without a token: %v %v", resp.Status, err)
	}
}

// metric sums the samples of a counter family on /metrics.
func metric(t *testing.T, server, name string) float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, server+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer floor-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, name+"{") || strings.HasPrefix(l, name+" ") {
			var v float64
			_, _ = fmt.Sscan(l[strings.LastIndexByte(l, ' ')+1:], &v)
			sum += v
		}
	}
	return sum
}
