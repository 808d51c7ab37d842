package logx

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const tok = "ut_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestStringRedacts(t *testing.T) {
	for _, c := range []struct{ in, gone, keep string }{
		{"INVITE sip:a@b SIP/2.0\r\nX-Undertone-Token: s3cret-static-tok\r\nVia: x", "s3cret-static-tok", "Via: x"},
		{"x-undertone-token:s3cret-static-tok", "s3cret-static-tok", "x-undertone-token:"},
		{"Authorization: Bearer abcdefgh12345678", "abcdefgh12345678", "Authorization:"},
		{`header value "Bearer abcdefgh12345678" refused`, "abcdefgh12345678", "refused"},
		{"GET /v1/ws/calls/c1?since=3&token=s3cret-static-tok HTTP/1.1", "s3cret-static-tok", "since=3"},
		{"sip:srs@10.0.0.1;token=s3cret-static-tok;transport=udp", "s3cret-static-tok", "transport=udp"},
		{"Cookie: undertone_session=uts_0123456789abcdef0123456789abcdef0123456789abcdef", "uts_0123", "Cookie:"},
		{"dial postgres://undertone:hunter2pass@db:5432/u failed", "hunter2pass", "db:5432/u failed"},
		{"created " + tok + " for A17", tok[:20], "for A17"},
		{"X-API-KEY: audiohook-key-1234", "audiohook-key-1234", "X-API-KEY"},
		{`{"token":"s3cret-static-tok"}`, "s3cret-static-tok", `{"token"`},
	} {
		got := String(c.in)
		if strings.Contains(got, c.gone) || !strings.Contains(got, c.keep) || !strings.Contains(got, Redacted) {
			t.Errorf("String(%q) = %q", c.in, got)
		}
	}
	for _, s := range []string{"call started", "basic usage of the tokenizer", "session ended after 3 s", "token store unavailable"} {
		if got := String(s); got != s {
			t.Errorf("String(%q) = %q: changed a line with no credential", s, got)
		}
	}
	if got := String(strings.Repeat("x", 5000)); len(got) > MaxValue+len("…") {
		t.Errorf("a 5000-byte value kept %d bytes", len(got))
	}
}

type stringer struct{}

func (stringer) String() string { return "Authorization: Bearer abcdefgh12345678" }

// Every path into a record is redacted: message, attributes, WithAttrs, groups, errors,
// Stringers, byte slices and keys that name a credential.
func TestRedactHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Redact(slog.NewJSONHandler(&buf, nil)))
	log = log.With("auth", "Bearer abcdefgh12345678").WithGroup("g")
	log.Error("refused token="+tok,
		"token", "plain-secret-value",
		"x-api-key", "plain-secret-value",
		"err", errors.New("header X-Undertone-Token: plain-secret-value"),
		"s", stringer{},
		"raw", []byte("token=plain-secret-value"),
		slog.Group("inner", "password", "plain-secret-value", "n", 3))
	out := buf.String()
	for _, gone := range []string{"plain-secret-value", tok[:20], "abcdefgh12345678"} {
		if strings.Contains(out, gone) {
			t.Errorf("%q in %s", gone, out)
		}
	}
	if !strings.Contains(out, `"n":3`) {
		t.Errorf("non-secret value lost: %s", out)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func lines(s string) int { return strings.Count(s, "\n") }

// Warnings and errors are limited per (level, message, source), and per message over all
// sources; a line after drops says how many were dropped; Info passes untouched.
func TestLimit(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	log := slog.New(Limit(slog.NewTextHandler(&buf, nil), LimitConfig{Burst: 3, Every: 10 * time.Second,
		MsgBurst: 10, MsgEvery: time.Second, Now: clk.now}))
	for range 100 {
		log.Warn("garbage", "source", "192.0.2.1:5060")
	}
	if n := lines(buf.String()); n != 3 {
		t.Fatalf("100 warnings from one source: %d lines, want 3", n)
	}
	log.With("peer", "192.0.2.2:1").Warn("garbage") // another source, via WithAttrs
	if n := lines(buf.String()); n != 4 {
		t.Fatalf("another source: %d lines", n)
	}
	for i := range 100 { // many (spoofed) sources: the per-message budget holds
		log.Warn("garbage", "source", fmt.Sprintf("198.51.100.%d:5060", i))
	}
	if n := lines(buf.String()); n != 10 {
		t.Errorf("100 sources: %d lines, want the message's burst of 10", n)
	}
	for range 50 {
		log.Info("call started", "source", "192.0.2.1:5060")
	}
	if n := lines(buf.String()); n != 60 {
		t.Errorf("info lines were limited: %d", n)
	}
	clk.t = clk.t.Add(10 * time.Second)
	buf.Reset()
	log.Warn("garbage", "source", "192.0.2.1:7777") // same host, another port
	if out := buf.String(); !strings.Contains(out, "suppressed=97") {
		t.Errorf("the line after drops: %q, want suppressed=97", out)
	}
}

// The key table is bounded; beyond it lines are still written (never silently lost).
func TestLimitKeysBounded(t *testing.T) {
	var buf bytes.Buffer
	h := Limit(slog.NewTextHandler(&buf, nil), LimitConfig{MaxKeys: 50}).(*limitHandler)
	log := slog.New(h)
	for i := range 1000 {
		log.Warn(fmt.Sprintf("message %d", i), "source", fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if n := len(h.st.keys); n > 50 {
		t.Errorf("%d keys tracked, bound 50", n)
	}
	if lines(buf.String()) != 1000 {
		t.Errorf("%d of 1000 distinct lines written", lines(buf.String()))
	}
}
