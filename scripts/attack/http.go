package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
)

// baseOffer is a real pion offer: one sendonly PCMU/Opus audio track, BUNDLE, ICE and DTLS
// attributes — the material malformed offers are made from.
func baseOffer() (string, error) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", err
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		return "", err
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	return o.SDP, nil
}

// onlyCodec rewrites the audio section to offer one codec (payload type and rtpmap).
func onlyCodec(sdp, pt, rtpmap string) string {
	var out []string
	for _, l := range strings.Split(sdp, "\r\n") {
		switch {
		case strings.HasPrefix(l, "m=audio "):
			f := strings.Fields(l)
			l = strings.Join(append(f[:3], pt), " ")
		case strings.HasPrefix(l, "a=rtpmap:"), strings.HasPrefix(l, "a=fmtp:"), strings.HasPrefix(l, "a=rtcp-fb:"):
			continue
		case strings.HasPrefix(l, "a=mid:"):
			out = append(out, l, "a=rtpmap:"+pt+" "+rtpmap)
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\r\n")
}

func without(sdp, prefix string) string {
	var out []string
	for _, l := range strings.Split(sdp, "\r\n") {
		if !strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\r\n")
}

// whipSDP posts malformed offers. Any 5xx is noted; an offer with no codec the node
// decodes must not be answered 201 (issue 12 #9, answered 201 with m=audio 0); sessions
// that are created are deleted again.
func whipSDP(ctx context.Context, e *env, r *result) {
	base, err := baseOffer()
	if err != nil {
		r.skipped = "no offer: " + err.Error()
		return
	}
	mlines := strings.Repeat("m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:x\r\n", 1000)
	bad := map[string]string{
		"empty":             "",
		"v=0 only":          "v=0\r\n",
		"binary":            string([]byte{0, 1, 2, 0xff, 0xfe, 0x80, 0, 0}),
		"invalid utf-8":     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\xff\xfe\r\ns=-\r\n",
		"truncated":         base[:len(base)/2],
		"no fingerprint":    without(base, "a=fingerprint:"),
		"no ice-ufrag":      without(base, "a=ice-ufrag:"),
		"no bundle":         without(base, "a=group:BUNDLE"),
		"bad port":          strings.Replace(base, "m=audio 9 ", "m=audio x ", 1),
		"1000 m-lines":      base + mlines,
		"100 kB attribute":  base + "a=x-junk:" + strings.Repeat("A", 100<<10) + "\r\n",
		"2 MB body":         strings.Repeat("a", 2<<20),
		"video only":        strings.Replace(base, "m=audio ", "m=video ", 1),
		"recvonly":          strings.Replace(base, "a=sendonly", "a=recvonly", 1),
		"lf line endings":   strings.ReplaceAll(base, "\r\n", "\n"),
		"no codec: G722":    onlyCodec(base, "9", "G722/8000"),
		"no codec: unknown": onlyCodec(base, "101", "x-nonsense/8000"),
	}
	for name, sdp := range bad {
		r.tried++
		code, body, hdr := e.do(ctx, req{method: "POST", path: "/v1/whip", token: e.integ, ctype: "application/sdp", body: sdp})
		if code >= 500 || code == 0 {
			r.note("%s: %d %.80s", name, code, strings.TrimSpace(body))
		}
		e.checkAnswer(r, "whip "+name, body, sdp)
		if code == http.StatusCreated {
			if strings.HasPrefix(name, "no codec") {
				r.bypasses++
				r.note("%s: answered 201 (want 4xx: nothing to decode)", name)
			}
			if loc := hdr.Get("Location"); loc != "" {
				e.do(ctx, req{method: "DELETE", path: loc, token: e.integ})
			}
		}
	}
	in := long(10_000) // internal/ingest/whip builds this answer
	r.tried++
	code, body, _ := e.do(ctx, req{method: "DELETE", path: "/v1/whip/" + in, token: e.integ})
	if code >= 500 || code == 0 {
		r.note("DELETE of a 10 kB session id: %d", code)
	}
	e.checkAnswer(r, "DELETE /v1/whip/<10 kB>", body, in)
	for _, ct := range []string{"", "text/plain", "application/sdp; charset=" + long(5000)} {
		r.tried++
		code, body, _ := e.do(ctx, req{method: "POST", path: "/v1/whip", token: e.integ, ctype: ct, body: base})
		if code >= 500 || code == 0 || code == http.StatusCreated && ct != "" && !strings.HasPrefix(ct, "application/sdp") {
			r.note("content type %.30q: %d", ct, code)
		}
		e.checkAnswer(r, "whip content type", body, ct)
	}
}

// restRoutes are REST requests that must not accept ?token=.
var restRoutes = []struct{ method, path, body string }{
	{"GET", "/v1/calls", ""},
	{"GET", "/v1/calls/c-none", ""},
	{"GET", "/v1/calls/c-none/timeline", ""},
	{"GET", "/v1/calls/c-none/export?format=csv", ""},
	{"GET", "/v1/calls/export?format=json", ""},
	{"GET", "/v1/trends", ""},
	{"GET", "/v1/hints/usefulness", ""},
	{"GET", "/v1/tokens", ""},
	{"POST", "/v1/tokens", `{"role":"integrator","name":"via-query"}`},
	{"DELETE", "/v1/tokens/tok_none", ""},
	{"GET", "/metrics", ""},
	{"POST", "/v1/whip", "v=0\r\n"},
	{"DELETE", "/v1/whip/none", ""},
	{"POST", "/v1/calls/c-none/transcript", `{}`},
	{"POST", "/v1/calls/c-none/hints/h/feedback", `{"rating":"useful"}`},
	{"POST", "/v1/audiosocket/bindings", `{}`},
}

// queryTokenREST tries ?token= (admin) on every REST route: each must be 401, while a
// websocket still takes it.
func queryTokenREST(ctx context.Context, e *env, r *result) {
	for _, rt := range restRoutes {
		r.tried++
		sep := "?"
		if strings.Contains(rt.path, "?") {
			sep = "&"
		}
		code, body, _ := e.do(ctx, req{method: rt.method, path: rt.path + sep + "token=" + url.QueryEscape(e.admin),
			body: rt.body, ctype: "application/json"})
		if code != http.StatusUnauthorized {
			r.bypasses++
			r.note("%s %s%stoken=: %d, want 401", rt.method, rt.path, sep, code)
		}
		e.checkAnswer(r, rt.path, body)
	}
	ws := "ws" + strings.TrimPrefix(e.base, "http") + "/v1/ws/calls?token=" + url.QueryEscape(e.admin)
	if c, _, err := websocket.DefaultDialer.DialContext(ctx, ws, nil); err != nil {
		r.note("websocket with ?token= refused: %v (it should work)", err)
	} else {
		c.Close()
	}
}

// longInputs sends 10 kB where the routes take names, ids and fields, and checks that no
// answer quotes more than 64 bytes of them or names internal paths.
func longInputs(ctx context.Context, e *env, r *result) {
	in := long(10_000)
	esc := url.QueryEscape(in)
	for _, q := range []req{
		{path: "/v1/calls?" + esc + "=1", token: e.admin},
		{path: "/v1/calls?state=" + esc, token: e.admin},
		{path: "/v1/calls?q=" + esc, token: e.admin},
		{path: "/v1/calls/" + esc, token: e.admin},
		{path: "/v1/calls/" + esc + "/timeline", token: e.admin},
		{path: "/v1/calls/" + esc + "/export", token: e.admin},
		{path: "/v1/trends?by=" + esc, token: e.admin},
		{path: "/v1/trends?from=" + esc, token: e.admin},
		{method: "DELETE", path: "/v1/tokens/" + esc, token: e.admin},
		{method: "POST", path: "/v1/tokens", token: e.admin, ctype: "application/json", body: `{"` + in + `":1}`},
		{method: "POST", path: "/v1/tokens", token: e.admin, ctype: "application/json", body: `{"role":"` + in + `"}`},
		{method: "POST", path: "/v1/whip?party=" + esc, token: e.integ, ctype: "application/sdp", body: "v=0"},
		{method: "POST", path: "/v1/whip?call=" + esc, token: e.integ, ctype: "application/sdp", body: "v=0"},
		{method: "POST", path: "/v1/whip?agent=" + esc, token: e.integ, ctype: "application/sdp", body: "v=0"},
		{method: "POST", path: "/v1/calls/c-none/transcript", token: e.integ, ctype: "application/json",
			body: `{"party":"` + in + `","start":1,"end":2,"text":"x"}`},
		{method: "POST", path: "/v1/calls/c-none/transcript", token: e.integ, ctype: "text/" + in, body: `{}`},
		{method: "POST", path: "/v1/calls/c-none/hints/" + esc + "/feedback", token: e.admin, ctype: "application/json",
			body: `{"rating":"useful"}`},
		{method: "POST", path: "/v1/audiosocket/bindings", token: e.integ, ctype: "application/json", body: `{"` + in[:3000] + `":1}`},
		{method: "POST", path: "/v1/session", token: in},
		{path: "/v1/calls", token: in},
		{path: "/v1/calls", header: http.Header{"Cookie": {"undertone_session=uts_" + in}}},
	} {
		r.tried++
		code, body, _ := e.do(ctx, q)
		if code == 0 || code >= 500 && code != http.StatusServiceUnavailable {
			r.note("%s %.50s…: %d", q.method, q.path, code)
		}
		e.checkAnswer(r, fmt.Sprintf("%s %.40s…", q.method, q.path), body, in, esc)
	}
}

// sessionFlood mints sessions from one token as fast as it can. A token keeps at most 64
// (the first ones must have ended), and its cookies share its request allowance: once the
// flood has spent it, a fresh cookie is refused too.
func sessionFlood(ctx context.Context, e *env, r *result) {
	var cookies []string
	refused := 0
	for range 600 {
		r.tried++
		code, _, hdr := e.do(ctx, req{method: "POST", path: "/v1/session", token: e.sup})
		if code != http.StatusOK {
			refused++
			continue
		}
		for _, c := range (&http.Response{Header: hdr}).Cookies() {
			if c.Name == "undertone_session" {
				cookies = append(cookies, c.Value)
			}
		}
	}
	r.note("600 logins: %d sessions minted, %d refused (rate)", len(cookies), refused)
	if len(cookies) == 0 {
		r.bypasses++
		r.note("no session could be made at all")
		return
	}
	get := func(cookie string) int {
		code, _, _ := e.do(ctx, req{path: "/v1/calls?limit=1", header: http.Header{"Cookie": {"undertone_session=" + cookie}}})
		return code
	}
	// Shared allowance: right after the flood the newest cookie must meet 429s.
	got429 := false
	for range 50 {
		if get(cookies[len(cookies)-1]) == http.StatusTooManyRequests {
			got429 = true
			break
		}
	}
	if !got429 && refused > 0 {
		r.bypasses++
		r.note("a cookie of a token whose allowance the flood spent was never refused (own allowance)")
	}
	time.Sleep(1500 * time.Millisecond) // let the allowance refill for the checks below
	alive := 0
	for _, c := range cookies[:min(10, len(cookies))] {
		if get(c) == http.StatusOK {
			alive++
		}
	}
	if len(cookies) > 64 && alive > 0 {
		r.bypasses += alive
		r.note("%d of the first 10 sessions still work after %d logins (bound: 64 per token)", alive, len(cookies))
	}
	if code := get(cookies[len(cookies)-1]); code != http.StatusOK {
		r.note("the newest session: %d (want 200)", code)
	}
}

// authFlood sends 300 random bearer tokens from 127.0.0.3: past the per-source budget
// they must be refused with 429 before any lookup; a token that worked lately still works
// from there.
func authFlood(ctx context.Context, e *env, r *result) {
	c := clientFrom("127.0.0.3")
	if code, _, _ := e.do(ctx, req{path: "/v1/calls?limit=1", token: e.sup, client: c}); code != http.StatusOK {
		r.note("a good token from 127.0.0.3 before the flood: %d", code)
	}
	n401, n429 := 0, 0
	for range 300 {
		r.tried++
		var b [16]byte
		_, _ = rand.Read(b[:])
		code, body, _ := e.do(ctx, req{path: "/v1/calls", token: "guess-" + hex.EncodeToString(b[:]), client: c})
		switch code {
		case http.StatusUnauthorized:
			n401++
		case http.StatusTooManyRequests:
			n429++
		default:
			r.bypasses++
			r.note("a guessed token: %d", code)
		}
		e.checkAnswer(r, "bad token", body)
	}
	r.note("300 guesses from one address: %d answered 401 (looked up), %d refused 429", n401, n429)
	if n401 > 30 { // budget 20, refilling one per 5 s
		r.bypasses += n401 - 30
	}
	if code, _, _ := e.do(ctx, req{path: "/v1/calls?limit=1", token: e.sup, client: c}); code != http.StatusOK {
		r.note("a token that worked lately, from the flooding address: %d (want 200)", code)
	}
}

// slowBody trickles the body of unauthenticated WHIP offers, one byte every 500 ms: the
// node must answer 401 or close before idleWait has passed, rather than wait for the body.
func slowBody(ctx context.Context, e *env, r *result) {
	host := strings.TrimPrefix(e.base, "http://")
	const conns = 5
	var mu sync.Mutex
	open := 0
	var wg sync.WaitGroup
	for range conns {
		r.tried++
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", host, 5*time.Second)
			if err != nil {
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /v1/whip HTTP/1.1\r\nHost: %s\r\nContent-Type: application/sdp\r\nContent-Length: 100000\r\n\r\n", host)
			answered := make(chan struct{})
			go func() {
				b := make([]byte, 1)
				_, _ = c.Read(b) // an answer or a close
				close(answered)
			}()
			deadline := time.After(e.idleWait)
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-answered:
					return
				case <-deadline:
					mu.Lock()
					open++
					mu.Unlock()
					return
				case <-ctx.Done():
					return
				case <-tick.C:
					_, _ = c.Write([]byte("v"))
				}
			}
		})
	}
	wg.Wait()
	if open > 0 {
		r.bypasses += open
		r.note("%d of %d trickled unauthenticated bodies neither answered nor closed after %s", open, conns, e.idleWait)
	}
}

// idleKeepalive makes one request on each of 20 connections and then keeps them idle: the
// node must close them within idleWait.
func idleKeepalive(ctx context.Context, e *env, r *result) {
	host := strings.TrimPrefix(e.base, "http://")
	var conns []net.Conn
	for range 20 {
		r.tried++
		c, err := net.DialTimeout("tcp", host, 5*time.Second)
		if err != nil {
			r.note("dial: %v", err)
			continue
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", host)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 512)
		if _, err := c.Read(buf); err != nil {
			r.note("healthz on a fresh connection: %v", err)
			continue
		}
		conns = append(conns, c)
	}
	time.Sleep(e.idleWait)
	open := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); ok && ne.Timeout() { // nothing came, not even a close
			open++
		} else if err != nil && err != io.EOF {
			continue
		}
	}
	if open > 0 {
		r.bypasses += open
		r.note("%d of %d idle keep-alive connections still open after %s", open, len(conns), e.idleWait)
	}
}
