package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// Opener opens the store a crash test uses, by DSN or path.
type Opener func(ctx context.Context, dsn string) (store.Store, error)

// crashEnv carries the DSN to the helper process.
const crashEnv = "UNDERTONE_STORE_CRASH_DSN"

// InCrashHelper reports whether this process is RunCrash's helper (a backend's TestMain
// may skip expensive setup then).
func InCrashHelper() bool { return os.Getenv(crashEnv) != "" }

// CrashCall is the id of the call the crash helper leaves live.
const CrashCall = "crash-call"

// CrashHelper is the body of the helper process RunCrash starts: a test function of the
// backend's package calls it, and it does nothing (skips) unless started by RunCrash.
// It starts a call, then writes one emotion per transaction and prints "COMMITTED i" after
// each commit, while a Recorder writes more in the background, until it is killed.
func CrashHelper(t *testing.T, open Opener) {
	dsn := os.Getenv(crashEnv)
	if dsn == "" {
		t.Skip("helper process for RunCrash; runs only when started by it")
	}
	ctx := context.Background()
	st, err := open(ctx, dsn)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	c := sampleCall(CrashCall, T0)
	if err := st.CallStarted(ctx, c); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Println("STARTED")
	rec := store.NewRecorder(st, nil, 1024)
	go func() {
		for i := 0; ; i++ {
			rec.Record(Marshal(t, event.Emotion, CrashCall, uint64(i), event.Agent, T0.Add(time.Second),
				event.EmotionData{Top: "neutral", Probs: map[string]float64{"neutral": 1}, Kind: event.EmotionUtterance, Start: float64(i), End: float64(i) + 1}))
			if i%64 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for i := 0; ; i++ {
		err := st.Write(ctx, &store.Batch{
			Emotions:    []store.EmotionRow{emo(CrashCall, "customer", float64(i), "angry", 0.5, -0.5)},
			Transcripts: []store.TranscriptRow{{CallID: CrashCall, Party: "customer", Start: float64(i), End: float64(i) + 1, Text: "seg " + strconv.Itoa(i), Final: true, At: T0}},
		})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(3)
		}
		fmt.Println("COMMITTED", i)
	}
}

// RunCrash starts the test binary again running helperTest (a test that calls
// CrashHelper) against dsn, SIGKILLs it while it writes, reopens the store and checks
// that the live call is marked interrupted and that every write it reported committed is
// there. check, if not nil, runs on the reopened store first (e.g. an integrity check).
func RunCrash(t *testing.T, dsn, helperTest string, open Opener, check func(store.Store) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+helperTest+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, killed := -1, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ERROR"):
			_ = cmd.Process.Kill()
			t.Fatalf("helper: %s", line)
		case strings.HasPrefix(line, "COMMITTED "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "COMMITTED "))
			if err != nil {
				t.Fatalf("helper said %q", line)
			}
			last = n
			if n >= 100 && !killed {
				// Mid-call, mid-transaction: the helper never stops writing.
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !killed || !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper was not killed as planned (killed=%v, wait: %v, last commit %d)", killed, err, last)
	}
	t.Logf("helper SIGKILLed after reporting %d committed writes", last+1)

	st, err := open(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer st.Close()
	if check != nil {
		if err := check(st); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.GetCall(ctx, CrashCall)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != store.StateLive {
		t.Fatalf("before MarkInterrupted the call is %q", c.State)
	}
	at := time.Now()
	n, err := st.MarkInterrupted(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("MarkInterrupted = %d, want 1", n)
	}
	c, err = st.GetCall(ctx, CrashCall)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != store.StateInterrupted || c.EndedAt.UnixMilli() != at.UnixMilli() || c.Agent != "A17" || c.Meta["crm"] != "case-4711" {
		t.Fatalf("after MarkInterrupted: %+v", c)
	}
	tl, err := st.Timeline(ctx, CrashCall)
	if err != nil {
		t.Fatal(err)
	}
	have := map[float64]bool{}
	for _, e := range tl.Emotions {
		if e.Party == "customer" {
			have[e.TStart] = true
		}
	}
	texts := map[float64]string{}
	for _, tr := range tl.Transcripts {
		texts[tr.Start] = tr.Text
	}
	for i := 0; i <= last; i++ {
		if !have[float64(i)] || texts[float64(i)] != "seg "+strconv.Itoa(i) {
			t.Fatalf("committed write %d of %d lost after the crash", i, last+1)
		}
	}
	recorded := len(tl.Emotions) - len(have)
	t.Logf("after reopen: %d direct writes (≥ %d reported), %d recorder rows, call %s", len(have), last+1, recorded, c.State)
}
