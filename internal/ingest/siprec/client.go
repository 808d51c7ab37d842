package siprec

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/codec"
)

// ClientParams describe a recording client (SRC) session, as an SBC would open it.
type ClientParams struct {
	Server    string            // host:port of the SRS
	Transport string            // udp (default) or tcp
	Streams   int               // 2 = SIPREC with metadata (caller first); 1 = plain INVITE
	Headers   map[string]string // extra headers, e.g. X-Undertone-Call
	PCMA      bool              // send PCMA instead of PCMU
	TLS       *tls.Config       // for Transport "tls"
}

// Client is a minimal SIPREC/SIP recording client over sipgo: tests and the load
// generator use it to send real SIP and real RTP.
type Client struct {
	ua     *sipgo.UserAgent
	dialog *sipgo.DialogClientSession
	rtp    []*net.UDPConn
	dst    []netip.AddrPort
	seq    []uint16
	ts     []uint32
	ssrc   []uint32
	pt     uint8
	pcma   bool
	buf    []byte
	mu     sync.Mutex
}

// TestMetadata returns an RFC 7865 document for a two-party call: the caller sends the stream
// labelled 1, the callee the stream labelled 2.
func TestMetadata(caller, callee string) string {
	// Compact: with SDP and headers the INVITE is still ~1.5 KB, over the 1300 bytes that
	// RFC 3261 §18.1.1 allows on UDP; sipgo refuses it unless sip.UDPMTUSize is raised
	// (the tests and the load generator do, like SBCs that let IP fragment it), or use TCP.
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\r\n" +
		`<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>complete</datamode>` +
		`<session session_id="s1"/>` +
		`<participant participant_id="p1"><nameID aor="` + caller + `"/></participant>` +
		`<participant participant_id="p2"><nameID aor="` + callee + `"/></participant>` +
		`<stream stream_id="t1" session_id="s1"><label>1</label></stream>` +
		`<stream stream_id="t2" session_id="s1"><label>2</label></stream>` +
		`<participantstreamassoc participant_id="p1"><send>t1</send></participantstreamassoc>` +
		`<participantstreamassoc participant_id="p2"><send>t2</send></participantstreamassoc>` +
		`</recording>` + "\r\n"
}

// Dial sends the INVITE, waits for 200 OK and ACKs it.
func Dial(ctx context.Context, p ClientParams) (*Client, error) {
	if p.Streams < 1 || p.Streams > 2 {
		return nil, fmt.Errorf("siprec: client: 1 or 2 streams")
	}
	if p.Transport == "" {
		p.Transport = "udp"
	}
	opts := []sipgo.UserAgentOption{sipgo.WithUserAgent("undertone-test-src")}
	if p.TLS != nil {
		opts = append(opts, sipgo.WithUserAgenTLSConfig(p.TLS))
	}
	ua, err := sipgo.NewUA(opts...)
	if err != nil {
		return nil, err
	}
	c := &Client{ua: ua, pt: 0, pcma: p.PCMA}
	if p.PCMA {
		c.pt = 8
	}
	fail := func(err error) (*Client, error) { c.Close(); return nil, err }
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		return fail(err)
	}
	var sdp strings.Builder
	sdp.WriteString("v=0\r\no=src 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n")
	enc := "PCMU/8000"
	if p.PCMA {
		enc = "PCMA/8000"
	}
	for i := 0; i < p.Streams; i++ {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return fail(err)
		}
		c.rtp = append(c.rtp, conn)
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.ssrc = append(c.ssrc, binary.BigEndian.Uint32(b[:]))
		c.seq = append(c.seq, uint16(b[0])<<8|uint16(b[1]))
		c.ts = append(c.ts, 0)
		fmt.Fprintf(&sdp, "m=audio %d RTP/AVP %d 101\r\na=rtpmap:%d %s\r\na=rtpmap:101 telephone-event/8000\r\na=label:%d\r\na=sendonly\r\n",
			conn.LocalAddr().(*net.UDPAddr).Port, c.pt, c.pt, enc, i+1)
	}
	body := []byte(sdp.String())
	ctype := "application/sdp"
	if p.Streams == 2 {
		ctype = "multipart/mixed;boundary=undertone-boundary"
		body = []byte("--undertone-boundary\r\nContent-Type: application/sdp\r\n\r\n" + sdp.String() +
			"\r\n--undertone-boundary\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n" +
			TestMetadata("sip:+31201234567@pstn", "sip:a17@cc") + "\r\n--undertone-boundary--\r\n")
	}
	host, portStr, err := net.SplitHostPort(p.Server)
	if err != nil {
		return fail(err)
	}
	port, _ := strconv.Atoi(portStr)
	dc := sipgo.NewDialogClientCache(cli, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "src", Host: "127.0.0.1"}})
	recipient := sip.Uri{Scheme: "sip", User: "srs", Host: host, Port: port,
		UriParams: sip.NewParams()}
	recipient.UriParams.Add("transport", p.Transport)
	hdrs := []sip.Header{sip.NewHeader("Content-Type", ctype)}
	if p.Streams == 2 {
		hdrs = append(hdrs, sip.NewHeader("Require", "siprec"))
	}
	for k, v := range p.Headers {
		hdrs = append(hdrs, sip.NewHeader(k, v))
	}
	dlg, err := dc.Invite(ctx, recipient, body, hdrs...)
	if err != nil {
		return fail(fmt.Errorf("siprec: client INVITE: %w", err))
	}
	c.dialog = dlg
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return fail(fmt.Errorf("siprec: client INVITE answer: %w", err))
	}
	if err := dlg.Ack(ctx); err != nil {
		return fail(fmt.Errorf("siprec: client ACK: %w", err))
	}
	offers, err := ParseOffer(dlg.InviteResponse.Body())
	if err != nil {
		return fail(fmt.Errorf("siprec: client: answer: %w", err))
	}
	for i := 0; i < p.Streams && i < len(offers); i++ {
		c.dst = append(c.dst, netip.AddrPortFrom(offers[i].Addr, uint16(offers[i].Port)))
	}
	return c, nil
}

// SendFrame sends pcm (8 kHz) as one RTP packet of stream i.
func (c *Client) SendFrame(i int, pcm []int16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i >= len(c.dst) || c.dst[i].Port() == 0 {
		return fmt.Errorf("siprec: client: stream %d was not accepted", i)
	}
	c.buf = append(c.buf[:0], 0x80, c.pt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint16(c.buf[2:], c.seq[i])
	binary.BigEndian.PutUint32(c.buf[4:], c.ts[i])
	binary.BigEndian.PutUint32(c.buf[8:], c.ssrc[i])
	if c.pcma {
		c.buf = codec.EncodeALaw(c.buf, pcm)
	} else {
		c.buf = codec.EncodeULaw(c.buf, pcm)
	}
	c.seq[i]++
	c.ts[i] += uint32(len(pcm))
	_, err := c.rtp[i].WriteToUDPAddrPort(c.buf, c.dst[i])
	return err
}

// RTPConn returns stream i's socket (tests send raw packets through it).
func (c *Client) RTPConn(i int) *net.UDPConn { return c.rtp[i] }

// Dest returns where stream i's RTP goes.
func (c *Client) Dest(i int) netip.AddrPort { return c.dst[i] }

// Bye hangs up.
func (c *Client) Bye(ctx context.Context) error {
	if c.dialog == nil {
		return nil
	}
	return c.dialog.Bye(ctx)
}

// Close releases sockets and the user agent (without BYE).
func (c *Client) Close() {
	if c.dialog != nil {
		c.dialog.Close()
	}
	for _, r := range c.rtp {
		r.Close()
	}
	c.ua.Close()
}
