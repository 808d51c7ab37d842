package audiosocket_test

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/server/servertest"
)

// AudioSocket carries no credential, so only trusted addresses may connect: loopback
// by default, the configured allow-list otherwise. A refused connection gets an error
// frame and is closed without opening a call.
func TestAllowListDefaultsToLoopback(t *testing.T) {
	if got := audiosocket.Loopback; len(got) != 2 || !got[0].Contains(mustAddr("127.0.0.1")) {
		t.Fatalf("default allow-list %v", got)
	}
	n := servertest.New(t, enable, func(c *config.Config) { c.Telephony.AudioSocketAllow = []string{"10.0.0.0/8"} })
	_, customer, _ := callUUIDs()
	c, err := audiosocket.Dial(n.AudioSocket.Addr().String(), customer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c.Conn())
	if len(b) < 3 || audiosocket.Kind(b[0]) != audiosocket.KindError {
		t.Errorf("refused connection got %x, want an error frame", b)
	}
	if n.Registry.Live() != 0 {
		t.Errorf("a call opened from outside the allow-list")
	}
}

// One connection pushing a recording as fast as TCP allows (it once pushed 1,374 s of
// audio in 10 s and took more than a core) is held to real time: after a second and a
// half of wall clock the call has analysed about that much audio plus the burst, not
// the 20 s the peer sent.
func TestFloodIsHeldToRealTime(t *testing.T) {
	n := servertest.New(t, enable)
	call, customer, _ := callUUIDs()
	c, err := audiosocket.Dial(n.AudioSocket.Addr().String(), customer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if !n.WaitCall(call, 5*time.Second) {
		t.Fatal("call not opened")
	}
	w := servertest.Watch(t, n, call)
	tone := servertest.Tone(200, 20)
	go func() {
		for i := 0; i+160 <= len(tone); i += 160 {
			if c.WriteAudio(tone[i:i+160]) != nil {
				return
			}
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	elapsed := time.Since(start)
	var mediaT float64
	for _, ev := range w.Events() {
		if ev.Type == event.Level && ev.Party == event.Customer {
			mediaT = max(mediaT, ev.T)
		}
	}
	if limit := elapsed.Seconds() + 1.3; mediaT > limit || mediaT < 0.5 {
		t.Errorf("after %.1f s of wall clock the call analysed %.1f s of audio; want between 0.5 s and %.1f s",
			elapsed.Seconds(), mediaT, limit)
	}
	t.Logf("after %.2f s wall: %.2f s of the 20 s sent analysed", elapsed.Seconds(), mediaT)
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
