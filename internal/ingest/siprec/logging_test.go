package siprec_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/ingest"
	"github.com/undertone/undertone/internal/ingest/siprec"
)

// syncBuffer is a log sink the server's goroutines may write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const secretToken = "sip-secret-token-0123456789"

// brokenInvite has a Content-Length that does not match its body: sipgo cannot parse it
// and logs it.
func brokenInvite(i int) []byte {
	return []byte(fmt.Sprintf("INVITE sip:srs@127.0.0.1;token=%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-%d\r\n"+
		"From: <sip:a@127.0.0.1>;tag=%d\r\nTo: <sip:srs@127.0.0.1>\r\nCall-ID: broken-%d\r\nCSeq: 1 INVITE\r\n"+
		"X-Undertone-Token: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Length: 99999\r\n\r\nv=0\r\n", secretToken, i, i, i, secretToken, secretToken))
}

// A SIP message sipgo cannot parse is logged without the credentials it carries, and a
// flood of them (500 datagrams, one source) writes a handful of lines, not megabytes.
func TestUnparsableSIPLogsNoTokenAndIsRateLimited(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := call.NewRegistry(call.Config{})
	srv, err := siprec.New(siprec.Config{Admit: &ingest.Admitter{Registry: reg}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	udp, err := net.Dial("udp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tcp, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	_, _ = tcp.Write(append(brokenInvite(-1), []byte("\r\n\r\nGARBAGE\r\n\r\n")...))
	for i := range 500 {
		if _, err := udp.Write(brokenInvite(i)); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			time.Sleep(time.Millisecond) // let the reader keep up: the test is about logs, not drops
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(logs.String(), "parse") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	out := logs.String()
	if !strings.Contains(out, "parse") {
		t.Fatalf("no parse failure logged at all:\n%s", out)
	}
	if strings.Contains(out, secretToken) {
		t.Errorf("the token is in the log:\n%.2000s", out)
	}
	lines := strings.Count(out, "\n")
	if lines > 30 || len(out) > 20_000 {
		t.Errorf("500 unparsable datagrams wrote %d lines, %d bytes of log", lines, len(out))
	}
	t.Logf("500 unparsable datagrams (+1 over TCP): %d log lines, %d bytes", lines, len(out))
}
