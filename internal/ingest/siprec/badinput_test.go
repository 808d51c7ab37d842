package siprec_test

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/server/servertest"
)

// rawInvite sends one INVITE with the given body and returns the final response.
func rawInvite(t *testing.T, addr, ctype, body string, hdrs ...sip.Header) *sip.Response {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "srs", Host: host, Port: p})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "bad", Host: "127.0.0.1"}})
	if ctype != "" {
		req.AppendHeader(sip.NewHeader("Content-Type", ctype))
	}
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	req.SetBody([]byte(body))
	req.SetTransport("TCP") // bodies here may exceed the UDP limit; TCP is just as real
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cli.Do(ctx, req)
	if err != nil {
		t.Fatalf("INVITE: %v", err)
	}
	if res.StatusCode >= 300 { // ACK the failure as a UAC must
		ack := sip.NewRequest(sip.ACK, req.Recipient)
		for _, name := range []string{"Via", "From", "Call-ID"} {
			sip.CopyHeaders(name, req, ack)
		}
		sip.CopyHeaders("To", res, ack)
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
		ack.SetTransport("TCP")
		_ = cli.WriteRequest(ack)
	}
	return res
}

const videoOnly = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
const g722Only = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n"
const goodSDP = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

func multipart(sdp, meta string) string {
	return "--b\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "\r\n--b\r\nContent-Type: application/rs-metadata+xml\r\n\r\n" + meta + "\r\n--b--\r\n"
}

func TestBadInvites(t *testing.T) {
	n := servertest.New(t, enable)
	addr := n.SIP.Addr()
	for _, c := range []struct {
		name, ctype, body string
		code              int
		warn              string
	}{
		{"SDP without audio", "application/sdp", videoOnly, 488, "no audio stream"},
		{"only G.722", "application/sdp", g722Only, 488, "no audio stream"},
		{"not SDP at all", "application/sdp", "hello, world", 488, "SDP"},
		{"text body", "text/plain", "hi", 488, "want application/sdp"},
		{"no body type", "", goodSDP, 488, "Content-Type"},
		{"multipart without boundary", "multipart/mixed", multipart(goodSDP, "<x/>"), 488, "boundary"},
		{"metadata that is not XML", "multipart/mixed;boundary=b", multipart(goodSDP, "<<<not xml"), 488, "metadata"},
		{"metadata without participants", "multipart/mixed;boundary=b",
			multipart(goodSDP, `<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>`), 488, "no participant"},
		{"entity expansion", "multipart/mixed;boundary=b",
			multipart(goodSDP, `<!DOCTYPE r [<!ENTITY a "aaaa">]><recording>&a;</recording>`), 488, "metadata"},
	} {
		res := rawInvite(t, addr, c.ctype, c.body)
		warn := ""
		if h := res.GetHeader("Warning"); h != nil {
			warn = h.Value()
		}
		if res.StatusCode != c.code || !strings.Contains(warn, c.warn) {
			t.Errorf("%s: %d %s (Warning %q), want %d mentioning %q", c.name, res.StatusCode, res.Reason, warn, c.code, c.warn)
		}
	}
	res := rawInvite(t, addr, "application/sdp", goodSDP, sip.NewHeader(siprec.HeaderParty, "boss"))
	if res.StatusCode != 488 {
		t.Errorf("bad party header: %d, want 488", res.StatusCode)
	}
	res = rawInvite(t, addr, "application/sdp", goodSDP, sip.NewHeader(siprec.HeaderCall, "a b"))
	if res.StatusCode != 400 {
		t.Errorf("bad call id: %d, want 400", res.StatusCode)
	}
	if l := n.Registry.Live(); l != 0 {
		t.Errorf("%d calls live after refused INVITEs", l)
	}
}

func TestAllowList(t *testing.T) {
	n := servertest.New(t, enable, func(c *config.Config) { c.Telephony.SIPAllowFrom = []string{"10.0.0.0/8"} })
	if res := rawInvite(t, n.SIP.Addr(), "application/sdp", goodSDP); res.StatusCode != 403 {
		t.Errorf("INVITE from outside the allow-list: %d, want 403", res.StatusCode)
	}
}

// RTP from an unknown address, with unnegotiated payload types, DTMF, or not RTP at all
// is dropped while the call's real audio keeps flowing.
func TestBadRTPDoesNotDisturbTheCall(t *testing.T) {
	n := servertest.New(t, enable, func(c *config.Config) { c.IdleTimeout = 10 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := dial(ctx, n, "udp", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !n.WaitCall(p.id, 5*time.Second) {
		t.Fatal("no call")
	}
	w := servertest.Watch(t, n, p.id)
	dst := p.c.Dest(0)
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2: %v", err)
	}
	defer stranger.Close()
	pkt := func(pt uint8, seq uint16, n int) []byte {
		b := make([]byte, 12+n)
		b[0], b[1] = 0x80, pt
		binary.BigEndian.PutUint16(b[2:], seq)
		return b
	}
	done := make(chan error, 1)
	go func() { done <- p.Play(ctx, ingesttest.StereoCall(1.5), nil) }()
	own := p.c.RTPConn(0)
	for i := 0; i < 20; i++ {
		_, _ = stranger.WriteToUDPAddrPort(pkt(0, uint16(30000+i), 160), dst) // unknown source
		_, _ = own.WriteToUDPAddrPort(pkt(101, 0, 4), dst)                    // DTMF: ignored
		_, _ = own.WriteToUDPAddrPort(pkt(96, uint16(i), 160), dst)           // not negotiated
		_, _ = own.WriteToUDPAddrPort([]byte{0x01, 0x02, 0x03}, dst)          // not RTP
		_, _ = own.WriteToUDPAddrPort(append([]byte{0x40, 0}, make([]byte, 20)...), dst)
		time.Sleep(30 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = p.Hangup(ctx)
	ev, err := w.WaitEnded(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cust := ev.Data.(map[string]any)["summary"].(map[string]any)["parties"].(map[string]any)["customer"].(map[string]any)
	if pk := cust["packets"].(float64); pk != 75 {
		t.Errorf("customer packets %v, want exactly the 75 real ones", pk)
	}
	if de := cust["decode_errors"].(float64); de != 0 {
		t.Errorf("decode errors %v", de)
	}
	med, k := voicedMedian(w.Events(), "customer")
	if k < 5 || med < 214 || med > 226 {
		t.Errorf("customer pitch %.1f over %d events after junk RTP, want 220", med, k)
	}
}
