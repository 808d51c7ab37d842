package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/ingest/audiosocket"
)

const goodSDP = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

// sipRequest builds a request from local (ip:port) to the node; extra are header lines.
func sipRequest(method, node, local, callID, toTag string, cseq int, extra []string, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s sip:srs@%s SIP/2.0\r\n", method, node)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport\r\n", local, callID, cseq)
	fmt.Fprintf(&b, "From: <sip:attack@%s>;tag=at-%s\r\n", local, callID)
	to := "<sip:srs@" + node + ">"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	fmt.Fprintf(&b, "To: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n", to, callID, cseq, method)
	fmt.Fprintf(&b, "Contact: <sip:attack@%s>\r\n", local)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// sipUDP is a UDP SIP peer bound to one loopback address.
type sipUDP struct {
	c    *net.UDPConn
	node *net.UDPAddr
}

func newSIPUDP(localIP, node string) (*sipUDP, error) {
	na, err := net.ResolveUDPAddr("udp", node)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(localIP)})
	if err != nil {
		return nil, err
	}
	return &sipUDP{c: c, node: na}, nil
}

func (s *sipUDP) local() string { return s.c.LocalAddr().String() }

// final sends msg and returns the first final answer's status code and To tag (0 if none
// within wait).
func (s *sipUDP) final(msg string, wait time.Duration) (int, string) {
	if _, err := s.c.WriteToUDP([]byte(msg), s.node); err != nil {
		return 0, ""
	}
	buf := make([]byte, 65535)
	deadline := time.Now().Add(wait)
	for {
		_ = s.c.SetReadDeadline(deadline)
		n, _, err := s.c.ReadFromUDP(buf)
		if err != nil {
			return 0, ""
		}
		code, tag := parseSIPAnswer(string(buf[:n]))
		if code >= 200 {
			return code, tag
		}
	}
}

func parseSIPAnswer(s string) (int, string) {
	var code int
	if _, err := fmt.Sscanf(s, "SIP/2.0 %d", &code); err != nil {
		return 0, ""
	}
	tag := ""
	for _, l := range strings.Split(s, "\r\n") {
		if strings.HasPrefix(strings.ToLower(l), "to:") {
			if i := strings.Index(l, "tag="); i >= 0 {
				tag = strings.TrimSpace(strings.SplitN(l[i+4:], ";", 2)[0])
			}
		}
	}
	return code, tag
}

// hangUp ACKs an accepted INVITE and ends the dialog with BYE.
func (s *sipUDP) hangUp(node, callID, tag string) {
	_, _ = s.c.WriteToUDP([]byte(sipRequest("ACK", node, s.local(), callID, tag, 1, nil, "")), s.node)
	s.final(sipRequest("BYE", node, s.local(), callID, tag, 2, nil, ""), 2*time.Second)
}

// brokenInvite carries credentials and a Content-Length its body does not have.
func (e *env) brokenInvite(local string, i int) string {
	return fmt.Sprintf("INVITE sip:srs@%s;token=%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-b%d\r\n"+
		"From: <sip:a@%s>;tag=%d\r\nTo: <sip:srs@%s>\r\nCall-ID: broken-%d\r\nCSeq: 1 INVITE\r\n"+
		"X-Undertone-Token: %s\r\nAuthorization: Bearer %s\r\nContent-Length: 99999\r\n\r\nv=0\r\n",
		e.sip, e.integ, local, i, local, i, e.sip, i, e.integ, e.admin)
}

// sipGarbage are messages no parser should choke on; most carry a token.
func (e *env) sipGarbage(local string) map[string]string {
	tok := "X-Undertone-Token: " + e.integ + "\r\n"
	return map[string]string{
		"binary":             string([]byte{0, 1, 2, 3, 0xff, 0xfe, 0x80, 0x81, '\r', '\n', '\r', '\n'}),
		"crlf only":          "\r\n\r\n\r\n\r\n",
		"request line only":  "INVITE sip:x SIP/2.0\r\n\r\n",
		"no colon header":    "INVITE sip:srs@" + e.sip + " SIP/2.0\r\n" + tok + "Via SIP/2.0/UDP x\r\n\r\n",
		"response junk":      "SIP/2.0 200 OK\r\n" + tok + "Content-Length: 0\r\n\r\n",
		"invalid utf-8":      "INVITE sip:srs@" + e.sip + " SIP/2.0\r\n" + tok + "Via: \xff\xfe\xfd\r\n\r\n",
		"1000 headers":       "OPTIONS sip:srs@" + e.sip + " SIP/2.0\r\n" + tok + strings.Repeat("X-J: j\r\n", 1000) + "\r\n",
		"60 kB header":       "OPTIONS sip:srs@" + e.sip + " SIP/2.0\r\n" + tok + "X-Big: " + strings.Repeat("A", 60000) + "\r\n\r\n",
		"negative length":    "INVITE sip:srs@" + e.sip + " SIP/2.0\r\n" + tok + "Content-Length: -5\r\n\r\nv=0",
		"nul bytes":          "INVITE sip:srs@" + e.sip + " SIP/2.0\r\n" + tok + "Call-ID: a\x00b\r\n\r\n",
		"token only in body": sipRequest("INVITE", e.sip, local, "body-tok", "", 1, nil, "X-Undertone-Token: "+e.integ+"\r\n"+goodSDP[:20]),
	}
}

// sipGarbageUDP sends 500 unparsable INVITEs carrying tokens and a set of other garbage:
// no token may reach the log, and the log must not grow with the flood.
func sipGarbageUDP(ctx context.Context, e *env, r *result) {
	s, err := newSIPUDP("127.0.0.1", e.sip)
	if err != nil {
		r.skipped = "udp: " + err.Error()
		return
	}
	defer s.c.Close()
	from := e.logSize()
	for i := range 500 {
		r.tried++
		_, _ = s.c.WriteToUDP([]byte(e.brokenInvite(s.local(), i)), s.node)
		if i%100 == 99 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	for _, g := range e.sipGarbage(s.local()) {
		r.tried++
		_, _ = s.c.WriteToUDP([]byte(g), s.node)
	}
	time.Sleep(500 * time.Millisecond)
	if grew := e.logSize() - from; grew > 200<<10 {
		r.bypasses++
		r.note("the log grew %d kB for 511 garbage datagrams (parse errors not limited)", grew>>10)
	}
}

// sipGarbageTCP sends the same garbage over TCP, one connection per message, plus a
// stream of broken INVITEs on one connection.
func sipGarbageTCP(ctx context.Context, e *env, r *result) {
	from := e.logSize()
	send := func(msg string) {
		c, err := net.DialTimeout("tcp", e.sip, 3*time.Second)
		if err != nil {
			r.note("dial: %v", err)
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		_, _ = c.Write([]byte(msg))
		_, _ = bufio.NewReader(c).ReadString('\n')
	}
	for _, g := range e.sipGarbage("127.0.0.1:5999") {
		r.tried++
		send(g)
	}
	c, err := net.DialTimeout("tcp", e.sip, 3*time.Second)
	if err == nil {
		for i := range 200 {
			r.tried++
			if _, err := c.Write([]byte(e.brokenInvite("127.0.0.1:5999", i))); err != nil {
				break
			}
		}
		c.Close()
	}
	for range 50 { // a new connection per broken message: the server closes after one
		r.tried++
		send(e.brokenInvite("127.0.0.1:5999", 9999))
	}
	time.Sleep(500 * time.Millisecond)
	if grew := e.logSize() - from; grew > 200<<10 {
		r.bypasses++
		r.note("the log grew %d kB for TCP garbage (parse errors not limited)", grew>>10)
	}
}

// sipUnauth sends well-formed INVITEs without a valid token: none may be answered 200
// (issue 12 #2: any INVITE made a live call). If they are refused, a flood of 1,000 is
// sent and the time until all have a final answer is reported.
func sipUnauth(ctx context.Context, e *env, r *result) {
	type try struct {
		name, from string
		hdrs       []string
	}
	for _, t := range []try{
		{"no token", "127.0.0.1", nil},
		{"wrong token", "127.0.0.1", []string{"X-Undertone-Token: not-a-token-123"}},
		{"no token, from 127.0.0.2", "127.0.0.2", nil},
		{"no token, 5 kB agent header", "127.0.0.1", []string{"X-Undertone-Agent: " + strings.Repeat("a", 5000)}},
		{"no token, call header", "127.0.0.1", []string{"X-Undertone-Call: sip-unauth-call"}},
	} {
		s, err := newSIPUDP(t.from, e.sip)
		if err != nil {
			r.note("%s: %v", t.name, err)
			continue
		}
		r.tried++
		id := randomID("unauth-")
		code, tag := s.final(sipRequest("INVITE", e.sip, s.local(), id, "", 1, t.hdrs, goodSDP), 3*time.Second)
		if code == 200 {
			r.bypasses++
			r.note("%s: 200 OK (a live call)", t.name)
			s.hangUp(e.sip, id, tag)
		}
		s.c.Close()
	}
	if r.bypasses > 0 {
		r.note("flood of 1,000 unauthenticated INVITEs not sent: single ones are accepted already")
		return
	}
	s, err := newSIPUDP("127.0.0.1", e.sip)
	if err != nil {
		return
	}
	defer s.c.Close()
	start := time.Now()
	finals := map[string]int{}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			_ = s.c.SetReadDeadline(time.Now().Add(3 * time.Second))
			n, _, err := s.c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			code, _ := parseSIPAnswer(string(buf[:n]))
			if code >= 200 {
				mu.Lock()
				finals[fmt.Sprint(code)]++
				mu.Unlock()
			}
		}
	}()
	for i := range 1000 {
		r.tried++
		_, _ = s.c.WriteToUDP([]byte(sipRequest("INVITE", e.sip, s.local(), fmt.Sprintf("flood-%d", i), "", 1, nil, goodSDP)), s.node)
	}
	sent := time.Since(start)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if finals["200"] > 0 {
		r.bypasses += finals["200"]
	}
	r.note("1,000 unauthenticated INVITEs sent in %s; final answers by code %v; the last came within %s (+3 s quiet)",
		sent.Round(time.Millisecond), finals, time.Since(start).Round(time.Millisecond)-3*time.Second)
}

// uuid returns a random AudioSocket UUID whose last digit is the party (suffix mapping:
// 0 customer, 1 agent) and the call id it maps to (the 35 characters before it).
func uuid(party byte) (string, string) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	u := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:31] + string(party)
	return u, u[:35]
}

func frame(kind byte, payload []byte) []byte {
	return append([]byte{kind, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

func uuidFrame(u string) []byte {
	b, _ := audiosocket.ParseUUID(u)
	return frame(byte(audiosocket.KindUUID), b[:])
}

// audiosocketGarbage sends malformed frames, one connection each.
func audiosocketGarbage(ctx context.Context, e *env, r *result) {
	u, _ := uuid('0')
	silence := make([]byte, 320)
	inputs := map[string][]byte{
		"random bytes":        []byte(long(500)),
		"empty uuid":          frame(0x01, nil),
		"short uuid":          frame(0x01, []byte{1, 2, 3}),
		"text uuid":           frame(0x01, []byte("not-a-uuid-at-all-xxxxxxxxxxxxxxxxxx")),
		"length beyond data":  {0x01, 0xff, 0xff, 1, 2, 3},
		"audio before uuid":   frame(0x10, silence),
		"error frame first":   frame(0xff, []byte{1}),
		"hangup first":        frame(0x00, nil),
		"unknown kind":        frame(0x7e, silence),
		"huge audio frame":    append(uuidFrame(u), frame(0x10, make([]byte, 65535))...),
		"odd audio length":    append(uuidFrame(u), frame(0x10, silence[:3])...),
		"48 kHz then garbage": append(append(uuidFrame(u), frame(0x16, silence)...), 0xff, 0xff),
		"uuid twice":          append(uuidFrame(u), uuidFrame(u)...),
		"truncated header":    {0x10, 0x01},
		"64 kB of zeros":      make([]byte, 65536),
	}
	stayed := 0
	for name, b := range inputs {
		r.tried++
		c, err := net.DialTimeout("tcp", e.audiosocket, 3*time.Second)
		if err != nil {
			r.note("%s: dial: %v", name, err)
			continue
		}
		_ = c.SetDeadline(time.Now().Add(time.Second))
		_, _ = c.Write(b)
		if _, err := c.Read(make([]byte, 1)); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				stayed++
			}
		}
		c.Close()
	}
	r.note("%d of %d garbage connections were still open 1 s later (closed by the idle timeout)", stayed, len(inputs))
}

// audiosocketUnauth connects from 127.0.0.2 to a node that allows 127.0.0.1/32 only
// (attack.sh configures that): the connection must be refused and no call made.
func audiosocketUnauth(ctx context.Context, e *env, r *result) {
	for range 20 {
		r.tried++
		u, id := uuid('0')
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, "tcp", e.audiosocket)
		if err != nil {
			continue
		}
		_, _ = c.Write(uuidFrame(u))
		for range 10 {
			_, _ = c.Write(frame(0x10, make([]byte, 320)))
		}
		time.Sleep(100 * time.Millisecond)
		c.Close()
		if _, ok := e.callInfo(ctx, id); ok {
			r.bypasses++
		}
	}
	if r.bypasses > 0 {
		r.note("%d of 20 connections from an address outside the allow-list made a call", r.bypasses)
	}
}

// pacing writes 60 s of audio into one AudioSocket call as fast as the socket takes it
// and watches the call's media clock: after 3 s of wall time it may not be far ahead
// (issue 12 #4: 134× real time).
func pacing(ctx context.Context, e *env, r *result) {
	u, id := uuid('0')
	c, err := net.DialTimeout("tcp", e.audiosocket, 3*time.Second)
	if err != nil {
		r.skipped = "dial: " + err.Error()
		return
	}
	defer c.Close()
	if _, err := c.Write(uuidFrame(u)); err != nil {
		r.skipped = err.Error()
		return
	}
	ws := "ws" + strings.TrimPrefix(e.base, "http") + "/v1/ws/calls/" + id + "?token=" + url.QueryEscape(e.admin)
	var sub *websocket.Conn
	for range 20 { // the call exists once the UUID is read
		if sub, _, err = websocket.DefaultDialer.DialContext(ctx, ws, nil); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sub == nil {
		r.skipped = "no event stream for the call: " + fmt.Sprint(err)
		return
	}
	defer sub.Close()
	var maxT float64
	var mu sync.Mutex
	go func() {
		for {
			_, msg, err := sub.ReadMessage()
			if err != nil {
				return
			}
			var ev struct{ T float64 }
			if json.Unmarshal(msg, &ev) == nil {
				mu.Lock()
				maxT = max(maxT, ev.T)
				mu.Unlock()
			}
		}
	}()
	start := time.Now()
	tone := make([]byte, 320)
	for i := range tone {
		tone[i] = byte(i * 37)
	}
	go func() {
		for range 3000 { // 60 s
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(frame(0x10, tone)); err != nil {
				return
			}
		}
	}()
	r.tried = 3000
	time.Sleep(3 * time.Second)
	mu.Lock()
	t := maxT
	mu.Unlock()
	wall := time.Since(start).Seconds()
	r.note("after %.1f s of wall time the call's media clock read %.1f s", wall, t)
	if t > wall*1.5+2 {
		r.bypasses++
		r.note("audio is not held to real time (%.0f× )", t/wall)
	}
	_, _ = c.Write(frame(0x00, nil))
}
