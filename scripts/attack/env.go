package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// env is the node under attack and what the classes share.
type env struct {
	base, sip, audiosocket    string
	admin, integ, integ2, sup string
	secrets                   []string
	logFile, dataDir          string
	diskFull                  bool
	pid                       int
	idleWait                  time.Duration
	http                      *http.Client
}

// result counts what went wrong in one class. All counters must end at zero.
type result struct {
	tried    int // inputs sent
	crashes  int // the node died or panicked
	leaks    int // a token in the log; a token, a path, an address or a long input in an answer
	lost     int // accepted data that was not kept
	bypasses int // something refused by design got through
	skipped  string
	notes    []string
}

func (r *result) note(format string, a ...any) { r.notes = append(r.notes, fmt.Sprintf(format, a...)) }

func (r *result) failed() bool {
	return r.skipped == "" && r.crashes+r.leaks+r.lost+r.bypasses > 0
}

// class is one kind of attack. owner says whose fix its zeros depend on: "harden" (this
// branch) or "lead" (call ownership, admission, timeouts, pacing, memory: issue 12 #1–5).
type class struct {
	name, owner string
	run         func(ctx context.Context, e *env, r *result)
}

// up waits until /healthz answers 200 and the process (if known) exists.
func (e *env) up(within time.Duration) error {
	if e.pid > 0 {
		if err := syscall.Kill(e.pid, 0); err != nil {
			return fmt.Errorf("process %d: %w", e.pid, err)
		}
	}
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(e.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = errors.New(resp.Status)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// req is one HTTP request of a class.
type req struct {
	method, path, body, ctype string
	token                     string      // Authorization: Bearer
	header                    http.Header // more headers
	client                    *http.Client
}

// do sends q and returns the status, the answer (up to 64 kB) and its headers; a
// transport error is status 0.
func (e *env) do(ctx context.Context, q req) (int, string, http.Header) {
	if q.method == "" {
		q.method = http.MethodGet
	}
	hr, err := http.NewRequestWithContext(ctx, q.method, e.base+q.path, strings.NewReader(q.body))
	if err != nil {
		return 0, err.Error(), nil
	}
	for k, v := range q.header {
		hr.Header[k] = v
	}
	if q.token != "" {
		hr.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.ctype != "" {
		hr.Header.Set("Content-Type", q.ctype)
	}
	c := q.client
	if c == nil {
		c = e.http
	}
	resp, err := c.Do(hr)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), resp.Header
}

// clientFrom is an HTTP client whose connections leave from the loopback address ip
// (127.0.0.0/8 all reach the node), so per-source limits can be tried without touching
// the budget of 127.0.0.1.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// checkAnswer counts a leak when an answer carries a token in use, the data dir, a Go
// source position or stack, or 65 bytes or more of one of the inputs (answers may quote
// 64).
func (e *env) checkAnswer(r *result, what, answer string, inputs ...string) {
	bad := ""
	for _, s := range e.secrets {
		if s != "" && strings.Contains(answer, s) {
			bad = "a token in use"
		}
	}
	switch {
	case bad != "":
	case e.dataDir != "" && strings.Contains(answer, e.dataDir):
		bad = "the data dir"
	case strings.Contains(answer, ".go:") || strings.Contains(answer, "goroutine "):
		bad = "a Go source position"
	}
	for _, in := range inputs {
		mid := len(in) / 2
		if bad == "" && len(in) > 64 && (strings.Contains(answer, in[:65]) || mid+65 <= len(in) && strings.Contains(answer, in[mid:mid+65])) {
			bad = fmt.Sprintf("%d+ bytes of a %d-byte input", 65, len(in))
		}
	}
	if bad != "" {
		r.leaks++
		r.note("%s: the answer carries %s", what, bad)
	}
}

func (e *env) logSize() int64 {
	if e.logFile == "" {
		return 0
	}
	st, err := os.Stat(e.logFile)
	if err != nil {
		return 0
	}
	return st.Size()
}

// scanLog reads what the node logged since offset from and counts lines with a token in
// use and panics.
func (e *env) scanLog(from int64) (leaks, panics int, n int64) {
	if e.logFile == "" {
		return 0, 0, 0
	}
	f, err := os.Open(e.logFile)
	if err != nil {
		return 0, 0, 0
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0, 0, 0
	}
	b, _ := io.ReadAll(f)
	for _, line := range bytes.Split(b, []byte("\n")) {
		for _, s := range e.secrets {
			if s != "" && bytes.Contains(line, []byte(s)) {
				leaks++
				break
			}
		}
		if bytes.Contains(line, []byte("panic")) && !bytes.Contains(line, []byte("panics_total")) {
			panics++
		}
	}
	return leaks, panics, int64(len(b))
}

// long is an input of n bytes that is easy to spot when echoed.
func long(n int) string {
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "ATTACK%06d", b.Len())
	}
	return b.String()[:n]
}
