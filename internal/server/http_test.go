package server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/server/servertest"
)

// An unauthenticated request whose body trickles in gets its 401 at once (it once waited
// for the whole body, forever); an idle keep-alive connection is closed after the idle
// timeout; and one address cannot hold more connections than its bound while another
// request still gets through.
func TestHTTPConnectionsAreBounded(t *testing.T) {
	n := servertest.New(t, func(c *config.Config) {
		c.HTTP.IdleTimeout = time.Second
		c.HTTP.MaxConnsPerSource = 8
	})
	addr := n.Addr()

	// A trickled, unauthenticated WHIP body.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "POST /v1/whip HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: 100000\r\n\r\nv=0\r\n")
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled unauthenticated body within 3 s: %v", err)
	}
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("trickled unauthenticated body: %d, want 401", res.StatusCode)
	}

	// An idle keep-alive connection is closed by the server.
	k, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	_, _ = io.WriteString(k, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(k)
	if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
	}
	_ = k.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := br.ReadByte(); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("idle keep-alive connection still open after %s: %v", time.Since(start).Round(time.Millisecond), err)
	}

	// Eight held connections from this address; the ninth is closed at once.
	var held []net.Conn
	for range 8 {
		h, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		held = append(held, h)
	}
	time.Sleep(100 * time.Millisecond) // let the server accept them
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	_, _ = io.WriteString(extra, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = extra.SetReadDeadline(time.Now().Add(3 * time.Second))
	// Closed without an answer: EOF, or a reset since the request was already sent.
	if b, err := io.ReadAll(extra); len(b) != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) {
		t.Errorf("connection over the per-source bound: read %q, %v; want closed without an answer", b, err)
	}
	// Another address is still served while this one is at its bound.
	other := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	if res, err := other.Get(n.URL() + "/healthz"); err != nil {
		t.Errorf("another address while this one holds its bound: %v", err)
	} else {
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("another address while this one holds its bound: %d", res.StatusCode)
		}
	}
	for _, h := range held {
		h.Close()
	}
	// Once they are gone the address is served again.
	deadline := time.Now().Add(3 * time.Second)
	for {
		res, err := http.Get(n.URL() + "/healthz")
		if err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz after the held connections closed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
