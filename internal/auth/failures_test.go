package auth

import (
	"fmt"
	"testing"
	"time"
)

var guess = Hash("a-guessed-token")

func TestFailuresPerSource(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := NewFailures(FailureLimits{Burst: 3, Refill: 10 * time.Second, Now: clk.now})
	src := "192.0.2.7:40000"
	for i := range 3 {
		if b, _ := f.Blocked(src, guess); b {
			t.Fatalf("blocked after %d failures", i)
		}
		f.Fail(src)
	}
	b, wait := f.Blocked("192.0.2.7:51234", guess) // another port of the same host
	if !b || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("after the burst: blocked %v, wait %v", b, wait)
	}
	if b, _ := f.Blocked("192.0.2.8:40000", guess); b {
		t.Error("another address is blocked")
	}
	// IPv6: one /64 is one source; the next /64 another.
	for range 3 {
		f.Fail("[2001:db8:0:1::1]:5060")
	}
	if b, _ := f.Blocked("[2001:db8:0:1:ffff::9]:80", guess); !b {
		t.Error("the same /64 is not blocked")
	}
	if b, _ := f.Blocked("[2001:db8:0:2::1]:80", guess); b {
		t.Error("another /64 is blocked")
	}
	if b, _ := f.Blocked("[::ffff:192.0.2.7]:1", guess); !b {
		t.Error("an IPv4-mapped address escapes its IPv4 bucket")
	}
	clk.t = clk.t.Add(10 * time.Second)
	if b, _ := f.Blocked(src, guess); b {
		t.Error("no attempt back after one refill period")
	}
	f.Fail(src)
	if b, _ := f.Blocked(src, guess); !b {
		t.Error("the refilled attempt was not spent")
	}
	// A token that authenticated lately passes a blocked source; others do not.
	good := Hash("a-good-token")
	f.Succeeded(good)
	if b, _ := f.Blocked(src, good); b {
		t.Error("a good token is refused at a blocked source")
	}
	clk.t = clk.t.Add(11 * time.Minute)
	for range 3 {
		f.Fail(src)
	}
	if b, _ := f.Blocked(src, good); !b {
		t.Error("a token good 11 minutes ago still passes")
	}
	var nf *Failures
	if b, _ := nf.Blocked(src, guess); b {
		t.Error("nil blocks")
	}
	nf.Fail(src)
}

// The table is bounded: sources beyond Max share one budget, and refilled entries make room.
func TestFailuresBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := NewFailures(FailureLimits{Burst: 2, Refill: time.Second, Max: 100, Now: clk.now})
	for i := range 1000 {
		f.Fail(fmt.Sprintf("10.0.%d.%d:1", i/256, i%256))
	}
	if f.Tracked() != 100 {
		t.Fatalf("%d sources tracked, want 100", f.Tracked())
	}
	if b, _ := f.Blocked("10.9.9.9:1", guess); !b {
		t.Error("900 untracked failures did not exhaust the shared budget")
	}
	clk.t = clk.t.Add(5 * time.Second)
	f.Fail("10.9.9.9:1") // the refilled entries are forgotten; this one gets its own bucket
	if f.Tracked() != 1 {
		t.Errorf("%d tracked after refill", f.Tracked())
	}
}
