package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// fill makes the database full, the way a full disk does: it caps the file at its
// current size (SQLite's max_page_count, on the writer connection, which Open keeps for
// the store's life) and then fills the room left inside its pages and free list with junk
// rows (call "junk") of shrinking size until each table refuses even a tiny row. Every
// write the node makes then fails with SQLITE_FULL, "database or disk is full" — the
// error a full disk gives. free lifts the cap again, as freeing disk space would.
func fill(t *testing.T, st *Store) (free func()) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) error { _, err := st.w.ExecContext(ctx, q, args...); return err }
	if err := exec(`INSERT OR IGNORE INTO calls (id, state) VALUES ('junk', 'ended')`); err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := st.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := exec("PRAGMA synchronous = OFF"); err != nil { // junk need not be durable
		t.Fatal(err)
	}
	if err := exec("PRAGMA max_page_count = " + fmtInt(pages)); err != nil {
		t.Fatal(err)
	}
	inserts := []string{
		`INSERT INTO calls (id, state, meta) VALUES ('junk-' || ?1, 'ended', ?2)`,
		`INSERT INTO emotions (call_id, party, t_start, t_end, top, arousal, valence, confidence, at) VALUES ('junk', ?2, ?1, 0, '', 0, 0, 0, 0)`,
		`INSERT INTO transcripts (call_id, party, segment, start_s, end_s, text, final, at) VALUES ('junk', 'x', 'j' || ?1, ?1, 0, ?2, 1, 0)`,
		`INSERT INTO intents (call_id, party, t, intent, confidence, at) VALUES ('junk', 'x', ?1, ?2, 0, 0)`,
		`INSERT INTO hints (call_id, id, title, at) VALUES ('junk', 'j' || ?1, ?2, ?1)`,
		`INSERT INTO hint_feedback (call_id, hint_id, rating, agent, at) VALUES ('junk', 'j' || ?1, 'useful', ?2, 0)`,
		`INSERT INTO trends (hour, queue, team, agent) VALUES (?1, ?2, '', '')`,
	}
	n := 0
	for _, q := range inserts {
		for _, size := range []int{2000, 500, 120, 30, 8, 1} {
			for {
				n++
				err := exec(q, n, strings.Repeat("x", size))
				if err == nil {
					continue
				}
				if !strings.Contains(err.Error(), "full") {
					t.Fatalf("filling: %v", err)
				}
				break
			}
		}
	}
	if err := exec("PRAGMA synchronous = FULL"); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := exec("PRAGMA max_page_count = 1073741823"); err != nil {
			t.Fatal(err)
		}
	}
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

// opLog is a test double around the real store that records the order of successful
// call-row and batch writes, so the test can see a held call start go before its rows.
type opLog struct {
	store.Store
	mu  sync.Mutex
	ops []string
}

func (o *opLog) note(s string) { o.mu.Lock(); o.ops = append(o.ops, s); o.mu.Unlock() }

func (o *opLog) CallStarted(ctx context.Context, c store.CallRecord) error {
	err := o.Store.CallStarted(ctx, c)
	if err == nil {
		o.note("start " + c.ID)
	}
	return err
}

func (o *opLog) Write(ctx context.Context, b *store.Batch) error {
	err := o.Store.Write(ctx, b)
	if err == nil {
		for _, e := range b.Emotions {
			o.note("rows " + e.CallID)
		}
	}
	return err
}

func (o *opLog) index(s string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Index(o.ops, s)
}

func emotionEvent(t *testing.T, id string, i int) event.Raw {
	raw, err := event.Marshal(&event.Event{V: 1, Type: event.Emotion, Call: id, Seq: uint64(i + 1), TS: time.Now().UnixMilli(),
		Party: event.Customer, Data: event.EmotionData{Top: "angry", Kind: event.EmotionUtterance, Start: float64(i), End: float64(i) + 1}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func transcriptEvent(t *testing.T, id string, i int) event.Raw {
	raw, err := event.Marshal(&event.Event{V: 1, Type: event.Transcript, Call: id, Seq: uint64(1000 + i), TS: time.Now().UnixMilli(),
		Party: event.Customer, Data: event.TranscriptData{Segment: "s" + fmtInt(int64(i)), Start: float64(i), End: float64(i) + 1,
			Text: "regel " + fmtInt(int64(i)), Final: true}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// On a full database nothing accepted is lost: the call whose start could not be written
// and the rows that arrive while full are held (and reported: Writable, the metrics), and
// once space returns they are all written — the call's start before its rows — and
// survive a restart. The database is made full with max_page_count (see fill), which
// yields SQLITE_FULL exactly as a full disk; scripts/attack.sh fills a real (tmpfs) disk.
func TestRecorderKeepsEverythingThroughAFullDisk(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "full.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ol := &opLog{Store: st}
	rec := store.StartRecorder(ol, store.RecorderConfig{RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond})
	reg := rec.ForRegistry()
	start := time.Now().Truncate(time.Millisecond)
	if err := reg.CallStarted(ctx, call.Record{ID: "c-before", Source: "test", State: call.Live, StartedAt: start}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Writable(); err != nil {
		t.Fatalf("healthy store: %v", err)
	}

	free := fill(t, st)
	full := call.Record{ID: "c-full", Source: "test", State: call.Live, Agent: "A17", StartedAt: start,
		Meta: map[string]string{"team": "red", "queue": "billing"}}
	err = reg.CallStarted(ctx, full)
	if err == nil || !strings.Contains(err.Error(), "held for retry") {
		t.Fatalf("CallStarted on a full disk: %v, want an error saying it is held", err)
	}
	werr := rec.Writable()
	if !errors.Is(werr, store.ErrUnwritable) || !strings.Contains(werr.Error(), "disk full") || strings.Contains(werr.Error(), path) {
		t.Fatalf("Writable on a full disk: %v", werr)
	}
	for i := range 50 {
		rec.Record(emotionEvent(t, "c-full", i))
		rec.Record(emotionEvent(t, "c-before", i))
	}
	for i := range 20 {
		rec.Record(transcriptEvent(t, "c-full", i))
	}
	waitFor(t, "the rows to be held", func() bool { return rec.Stats().Held >= 121 })
	full.State, full.EndedAt, full.Reason = call.Ended, start.Add(time.Minute), "hangup"
	if err := reg.CallEnded(ctx, full); err == nil {
		t.Fatal("CallEnded on a full disk reported written")
	}
	ms := rec.MetricsStats()
	if ms.Writable || ms.Held < 122 || ms.WriteErrors["call_started"] == 0 || ms.WriteErrors["batch"]+ms.WriteErrors["call_started"] < 2 {
		t.Fatalf("metrics while full: %+v", ms)
	}
	time.Sleep(150 * time.Millisecond) // several retries fail meanwhile
	if rec.Writable() == nil {
		t.Fatal("writable while still full")
	}

	free()
	waitFor(t, "the held rows to be written", func() bool { return rec.Writable() == nil })
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := rec.Stats(); s.Written != 120 || s.Failed != 0 || s.Dropped != 0 || s.Held != 0 {
		t.Errorf("stats after recovery: %+v", s)
	}
	if i, j := ol.index("start c-full"), ol.index("rows c-full"); i < 0 || j < 0 || i > j {
		t.Errorf("the call's start (op %d) was not written before its rows (op %d)", i, j)
	}
	st.Close()

	st, err = Open(ctx, path) // a restart keeps all of it
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.GetCall(ctx, "c-full")
	if err != nil || c.Agent != "A17" || c.Team != "red" || c.State != store.StateEnded || c.Reason != "hangup" {
		t.Fatalf("c-full after restart: %+v %v", c, err)
	}
	tl, err := st.Timeline(ctx, "c-full")
	if err != nil || len(tl.Emotions) != 50 || len(tl.Transcripts) != 20 {
		t.Fatalf("c-full timeline after restart: %d emotions, %d transcripts, %v", len(tl.Emotions), len(tl.Transcripts), err)
	}
	if tl, _ := st.Timeline(ctx, "c-before"); len(tl.Emotions) != 50 {
		t.Errorf("c-before: %d emotions, want 50", len(tl.Emotions))
	}
}

// Past MaxHeld the newest events are dropped and counted, memory stays bounded, and the
// held ones are still written when space returns.
func TestRecorderHoldIsBounded(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "bound.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CallStarted(ctx, store.CallRecord{ID: "c", Source: "test", StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rec := store.StartRecorder(st, store.RecorderConfig{MaxHeld: 100, RetryMin: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond})
	free := fill(t, st)
	for i := range 300 {
		rec.Record(emotionEvent(t, "c", i))
		if i%50 == 0 {
			time.Sleep(20 * time.Millisecond) // let the writer hold them rather than the queue drop them
		}
	}
	waitFor(t, "the hold to fill", func() bool { return rec.Stats().Held == 100 })
	free()
	waitFor(t, "recovery", func() bool { return rec.Writable() == nil })
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s := rec.Stats()
	if s.Written != 100 || s.Dropped != 200 {
		t.Errorf("stats %+v, want 100 written and 200 dropped", s)
	}
	if tl, _ := st.Timeline(ctx, "c"); len(tl.Emotions) != 100 {
		t.Errorf("%d emotions stored", len(tl.Emotions))
	}
}

// A start for an id an earlier call holds is refused as call.ErrIDTaken, as by
// store.ForRegistry — not held for retry, and the store stays writable.
func TestRecorderForRegistryRefusesTakenIDs(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "taken.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := store.StartRecorder(st, store.RecorderConfig{})
	defer rec.Close(ctx)
	reg := rec.ForRegistry()
	first := call.Record{ID: "c-1", Source: "test", State: call.Live, Agent: "A1", StartedAt: time.Now()}
	if err := reg.CallStarted(ctx, first); err != nil {
		t.Fatal(err)
	}
	first.State, first.EndedAt = call.Ended, time.Now()
	if err := reg.CallEnded(ctx, first); err != nil {
		t.Fatal(err)
	}
	err = reg.CallStarted(ctx, call.Record{ID: "c-1", Source: "test", State: call.Live, Agent: "B2", StartedAt: time.Now()})
	if !errors.Is(err, call.ErrIDTaken) || rec.Writable() != nil || rec.Stats().Held != 0 {
		t.Fatalf("second start of c-1: %v (writable %v, held %d)", err, rec.Writable(), rec.Stats().Held)
	}
}
