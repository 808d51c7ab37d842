package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// wsGarbage opens a websocket per message, sends it (text, or binary when it starts with
// \x00) and reads until the node closes it, checking the close reason for what it quotes.
func (e *env) wsGarbage(ctx context.Context, r *result, path string, hdr http.Header, prelude []string, msgs map[string]string) {
	u := "ws" + strings.TrimPrefix(e.base, "http") + path
	for name, m := range msgs {
		r.tried++
		c, resp, err := websocket.DefaultDialer.DialContext(ctx, u, hdr)
		if err != nil {
			r.note("%s: dial: %v (%v)", name, err, resp != nil && resp.StatusCode != 0)
			continue
		}
		for _, p := range prelude {
			_ = c.WriteMessage(websocket.TextMessage, []byte(p))
		}
		kind := websocket.TextMessage
		if strings.HasPrefix(m, "\x00") {
			kind = websocket.BinaryMessage
		}
		_ = c.WriteMessage(kind, []byte(m))
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					e.checkAnswer(r, name+" close reason", ce.Text, m)
				}
				break
			}
			e.checkAnswer(r, name+" message", string(msg), m)
		}
		c.Close()
	}
}

// twilioGarbage: malformed Twilio Media Streams messages, and a stream without a token.
func twilioGarbage(ctx context.Context, e *env, r *result) {
	hdr := http.Header{"Authorization": {"Bearer " + e.integ}}
	big := long(70_000)
	start := `{"event":"start","start":{"streamSid":"MZ1","callSid":"CA-attack","tracks":["inbound"],` +
		`"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`
	e.wsGarbage(ctx, r, "/v1/media/twilio", hdr, nil, map[string]string{
		"binary":             "\x00\x01\x02\xff",
		"not json":           "{{{" + long(1000),
		"70 kB":              `{"event":"media","media":{"payload":"` + big + `"}}`,
		"media before start": `{"event":"media","media":{"track":"inbound","payload":"AAAA"}}`,
		"unknown event":      `{"event":"` + long(5000) + `"}`,
		"bad format":         strings.Replace(start, "audio/x-mulaw", "audio/"+long(2000), 1),
		"100 tracks":         strings.Replace(start, `["inbound"]`, "["+strings.Repeat(`"inbound",`, 99)+`"inbound"]`, 1),
		"long call sid":      strings.Replace(start, "CA-attack", long(10_000), 1),
		"nested":             strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		"stop first":         `{"event":"stop"}`,
	})
	e.wsGarbage(ctx, r, "/v1/media/twilio", hdr, []string{`{"event":"connected"}`, start}, map[string]string{
		"bad base64":    `{"event":"media","media":{"track":"inbound","payload":"!!!not base64!!!"}}`,
		"unknown track": `{"event":"media","media":{"track":"` + long(3000) + `","payload":"AAAA"}}`,
		"huge payload":  `{"event":"media","media":{"track":"inbound","payload":"` + strings.Repeat("A", 60000) + `"}}`,
	})
	r.tried++
	u := "ws" + strings.TrimPrefix(e.base, "http") + "/v1/media/twilio"
	if c, _, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer wrong-token-123"}}); err == nil {
		r.bypasses++
		r.note("a wrong token was upgraded")
		c.Close()
	}
}

// audiohookGarbage: malformed AudioHook messages, and an upgrade without an API key.
func audiohookGarbage(ctx context.Context, e *env, r *result) {
	hdr := http.Header{"X-API-KEY": {e.integ}, "Audiohook-Session-Id": {"e160e428-53e2-487c-977d-96989bf5c99d"},
		"Audiohook-Organization-Id": {"d7934305-0972-4844-938e-9060eef73d05"}}
	open := `{"version":"2","type":"open","seq":1,"clientseq":0,"id":"e160e428-53e2-487c-977d-96989bf5c99d","parameters":` +
		`{"organizationId":"d7934305-0972-4844-938e-9060eef73d05","conversationId":"090eaa2f-72fa-480a-83e0-8667ff89c0ec",` +
		`"participant":{"id":"x"},"media":[{"type":"audio","format":"PCMU","channels":["external"],"rate":8000}],"language":"en-US"}}`
	e.wsGarbage(ctx, r, "/v1/media/audiohook", hdr, nil, map[string]string{
		"binary before open": "\x00" + long(640),
		"not json":           "{" + long(2000),
		"unknown type":       `{"version":"2","type":"` + long(5000) + `","seq":1}`,
		"bad version":        strings.Replace(open, `"version":"2"`, `"version":"`+long(3000)+`"`, 1),
		"no media":           strings.Replace(open, `"media":[`, `"nomedia":[`, 1),
		"bad format":         strings.Replace(open, "PCMU", long(1000), 1),
		"seq backwards":      strings.Replace(open, `"seq":1`, `"seq":-5`, 1),
		"60 kB":              `{"version":"2","type":"ping","seq":1,"parameters":{"x":"` + long(60_000) + `"}}`,
	})
	e.wsGarbage(ctx, r, "/v1/media/audiohook", hdr, []string{open}, map[string]string{
		"odd audio frame":   "\x00\x01\x02",
		"huge audio frame":  "\x00" + strings.Repeat("\x7f", 60000),
		"close with junk":   `{"version":"2","type":"close","seq":2,"parameters":{"reason":"` + long(4000) + `"}}`,
		"second open":       strings.Replace(open, `"seq":1`, `"seq":2`, 1),
		"discarded garbage": `{"version":"2","type":"discarded","seq":2,"parameters":{"start":"x","discarded":"y"}}`,
	})
	r.tried++
	u := "ws" + strings.TrimPrefix(e.base, "http") + "/v1/media/audiohook"
	if c, _, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{"X-API-KEY": {"wrong-key-1234"}}); err == nil {
		r.bypasses++
		r.note("a wrong API key was upgraded")
		c.Close()
	}
}
