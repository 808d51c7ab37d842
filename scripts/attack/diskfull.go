package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// diskFull runs with the node's data dir on a small filesystem of its own (attack.sh: a
// tmpfs in a private mount namespace). It fills that filesystem for real while a call is
// live, keeps pushing transcripts and starts a second call, then frees the space. Every
// transcript answered 202 must be stored, the call started while full must exist, and
// while full /readyz must fail, /metrics must say so and pushes must get 503 (issue 12 #7:
// 42 of 108 accepted transcripts and a whole call were lost).
func diskFull(ctx context.Context, e *env, r *result) {
	if !e.diskFull || e.dataDir == "" {
		r.skipped = "the data dir is not on a filesystem of its own (attack.sh puts it on a tmpfs where unshare can mount one)"
		return
	}
	u, _ := uuid('0')
	id := randomID("diskfull-")
	// Bound by the integrator, the call is its own: it may push the call's transcripts.
	if code, body, _ := e.do(ctx, req{method: "POST", path: "/v1/audiosocket/bindings", token: e.integ, ctype: "application/json",
		body: `{"uuid":"` + u + `","call":"` + id + `","party":"customer"}`}); code != http.StatusCreated {
		r.skipped = fmt.Sprintf("binding the call: %d %s", code, strings.TrimSpace(body))
		return
	}
	conn, err := net.DialTimeout("tcp", e.audiosocket, 3*time.Second)
	if err != nil {
		r.skipped = "audiosocket: " + err.Error()
		return
	}
	defer conn.Close()
	_, _ = conn.Write(uuidFrame(u))
	stop := make(chan struct{})
	fed := make(chan struct{})
	go func() { // real-time audio keeps the call live
		defer close(fed)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				_, _ = conn.Write(frame(0x00, nil))
				return
			case <-t.C:
				if _, err := conn.Write(frame(0x10, make([]byte, 320))); err != nil {
					return
				}
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-fed
	}()
	for i := 0; i < 50; i++ {
		if _, ok := e.callInfo(ctx, id); ok {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	accepted, refused, other := 0, 0, 0
	push := func(i int) {
		r.tried++
		code, body, hdr := e.do(ctx, req{method: "POST", path: "/v1/calls/" + id + "/transcript", token: e.integ,
			ctype: "application/json", body: fmt.Sprintf(`{"party":"customer","segment":"s%d","start":%d,"end":%d.5,"text":"regel %d"}`, i, i, i, i)})
		switch code {
		case http.StatusAccepted:
			accepted++
		case http.StatusServiceUnavailable:
			refused++
			if hdr.Get("Retry-After") == "" {
				r.note("503 without Retry-After")
			}
		default:
			other++
			if other <= 3 {
				r.note("transcript %d: %d %.80s", i, code, body)
			}
		}
		e.checkAnswer(r, "transcript", body)
	}
	for i := range 10 {
		push(i)
	}
	filler := filepath.Join(e.dataDir, "attack-filler")
	size, err := fillDisk(filler)
	if err != nil {
		r.skipped = "could not fill the data dir: " + err.Error()
		_ = os.Remove(filler)
		return
	}
	defer os.Remove(filler)
	r.note("filled the data dir's filesystem with %d MB", size>>20)
	for i := 10; i < 110; i++ {
		push(i)
		time.Sleep(20 * time.Millisecond)
	}
	u2, id2 := uuid('0') // a call that starts and ends while the disk is full
	if c2, err := net.DialTimeout("tcp", e.audiosocket, 3*time.Second); err == nil {
		_, _ = c2.Write(uuidFrame(u2))
		for range 25 {
			_, _ = c2.Write(frame(0x10, make([]byte, 320)))
			time.Sleep(20 * time.Millisecond)
		}
		_, _ = c2.Write(frame(0x00, nil))
		c2.Close()
	}
	r.tried++
	time.Sleep(300 * time.Millisecond)
	code, body, _ := e.do(ctx, req{path: "/readyz"})
	if code == http.StatusOK {
		r.bypasses++
		r.note("/readyz ready while the store cannot write")
	} else {
		r.note("/readyz while full: %d %s", code, strings.TrimSpace(body))
		e.checkAnswer(r, "/readyz", body)
	}
	if refused == 0 {
		r.bypasses++
		r.note("no transcript was refused while the disk was full")
	}
	if m := e.storeMetrics(ctx); !strings.Contains(m, "undertone_store_writable 0") || !strings.Contains(m, "undertone_store_write_errors_total") {
		r.bypasses++
		r.note("/metrics does not show the store failing")
	} else {
		r.note("/metrics while full: %s", m)
	}

	if err := os.Remove(filler); err != nil {
		r.note("freeing: %v", err)
	}
	recovered := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if code, _, _ := e.do(ctx, req{path: "/readyz"}); code == http.StatusOK {
			recovered = true
			break
		}
	}
	if !recovered {
		r.note("/readyz did not recover within 30 s of freeing the space")
	}
	close(stop)
	<-fed
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, ok := e.callInfo(ctx, id); ok && c.State != "live" {
			break
		}
	}
	time.Sleep(time.Second)
	stored := e.storedTranscripts(ctx, id)
	r.note("transcripts: %d accepted (202), %d refused (503), %d otherwise answered, %d stored", accepted, refused, other, stored)
	if accepted == 0 {
		r.bypasses++
		r.note("not one transcript was accepted: the class proved nothing")
	}
	if stored < accepted {
		r.lost += accepted - stored
	}
	// The timeline is read from the store only (GET /v1/calls/{id} also answers from
	// memory): a call whose row was never written is a 404 there.
	if code, _, _ := e.do(ctx, req{path: "/v1/calls/" + id2 + "/timeline", token: e.admin}); code != http.StatusOK {
		r.lost++
		r.note("the call started while the disk was full is not in the store (%d)", code)
	} else if c, ok := e.callInfo(ctx, id2); ok && c.State == "live" {
		r.lost++
		r.note("the call started while full is stored but still live (its end was not kept)")
	}
}

// fillDisk writes path until the filesystem is full and returns the bytes written.
func fillDisk(path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for _, chunk := range []int{1 << 20, 64 << 10, 4 << 10, 512} {
		buf := make([]byte, chunk)
		for {
			w, err := f.Write(buf)
			n += int64(w)
			if err != nil {
				if errors.Is(err, syscall.ENOSPC) {
					break
				}
				return n, err
			}
		}
	}
	if n < 1<<20 && n == 0 {
		return n, errors.New("nothing could be written")
	}
	return n, f.Sync()
}

func (e *env) storeMetrics(ctx context.Context) string {
	_, body, _ := e.do(ctx, req{path: "/metrics", token: e.admin})
	var keep []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "undertone_store_") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "; ")
}

func (e *env) storedTranscripts(ctx context.Context, id string) int {
	code, body, _ := e.do(ctx, req{path: "/v1/calls/" + id + "/timeline", token: e.admin})
	if code != http.StatusOK {
		return 0
	}
	var tl struct {
		Transcripts []json.RawMessage `json:"transcripts"`
	}
	_ = json.Unmarshal([]byte(body), &tl)
	return len(tl.Transcripts)
}
