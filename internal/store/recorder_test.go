package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeStore records the batches it is given; gate, if set, holds each Write.
type fakeStore struct {
	store.Store // nil: other methods panic
	mu          sync.Mutex
	batches     []int
	emotions    int
	gate        chan struct{}
	fail        error
}

func (f *fakeStore) Write(_ context.Context, b *store.Batch) error {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.batches = append(f.batches, b.Len())
	f.emotions += len(b.Emotions)
	return nil
}

func (f *fakeStore) GetCall(_ context.Context, id string) (store.CallRecord, error) {
	return store.CallRecord{ID: id, Agent: "A1", Team: "t", Queue: "q"}, nil
}

func emotion(t testing.TB, i int) event.Raw {
	raw, err := event.Marshal(&event.Event{V: 1, Type: event.Emotion, Call: "c", Seq: uint64(i + 1), TS: 1, Party: event.Agent,
		Data: event.EmotionData{Top: "neutral", Kind: event.EmotionUtterance, Start: float64(i)}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRecorderBatchesWhileWriterBusy(t *testing.T) {
	f := &fakeStore{gate: make(chan struct{})}
	r := store.NewRecorder(f, nil, 2000)
	for i := range 1000 {
		r.Record(emotion(t, i))
	}
	close(f.gate)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Written != 1000 || s.Dropped != 0 {
		t.Fatalf("stats %+v", s)
	}
	// The first write held one event (or a few); the rest came in batches of MaxBatch at most.
	if f.emotions != 1000 || len(f.batches) > 1+(1000+store.MaxBatch-1)/store.MaxBatch+1 {
		t.Fatalf("%d emotions in batches %v", f.emotions, f.batches)
	}
	for _, n := range f.batches {
		if n > store.MaxBatch {
			t.Fatalf("batch of %d > MaxBatch", n)
		}
	}
}

func TestRecorderCloseHonoursContext(t *testing.T) {
	f := &fakeStore{gate: make(chan struct{})}
	r := store.NewRecorder(f, nil, 10)
	r.Record(emotion(t, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a stuck writer: %v", err)
	}
	close(f.gate)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderCountsFailedWrites(t *testing.T) {
	f := &fakeStore{fail: errors.New("disk full")}
	r := store.NewRecorder(f, nil, 10)
	for i := range 5 {
		r.Record(emotion(t, i))
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Failed != 5 || s.Written != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestRecorderRecordRacesClose(t *testing.T) {
	f := &fakeStore{}
	r := store.NewRecorder(f, nil, 64)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				r.Record(emotion(t, g*1000+i))
			}
		}()
	}
	time.Sleep(time.Millisecond)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s := r.Stats()
	if s.Written+s.Dropped != 2000 {
		t.Fatalf("events unaccounted for: %+v", s)
	}
}

func TestRecorderIgnoresOtherTypes(t *testing.T) {
	f := &fakeStore{}
	r := store.NewRecorder(f, nil, 1)
	for _, typ := range []string{event.Level, event.Pitch, event.VAD, event.Dynamics, event.Alert, event.CallStarted, "future.type"} {
		r.Record(event.Raw{Type: typ, Call: "c", Body: []byte(`{}`)})
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Ignored != 7 || s.Dropped != 0 || len(f.batches) != 0 {
		t.Fatalf("stats %+v, batches %v", s, f.batches)
	}
}

// BenchmarkRecord is the cost on the publisher's goroutine (a call's hot path).
func BenchmarkRecord(b *testing.B) {
	f := &fakeStore{}
	r := store.NewRecorder(f, nil, 1<<16)
	raw := emotion(b, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.Record(raw)
	}
	b.StopTimer()
	_ = r.Close(context.Background())
}

func TestOpenUnknownBackend(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://u:secret@h/db")
	if !errors.Is(err, store.ErrNoBackend) {
		t.Fatalf("err %v", err)
	}
	if msg := err.Error(); strings.Contains(msg, "secret") {
		t.Fatalf("password in error: %s", msg)
	}
}

// A batch the store refuses as such (an invalid record) would fail forever: it is dropped
// and counted, not held, and the store stays writable for what follows.
func TestRecorderDropsWhatRetryingCannotCure(t *testing.T) {
	f := &fakeStore{fail: store.ErrInvalid}
	r := store.StartRecorder(f, store.RecorderConfig{RetryMin: time.Millisecond})
	for i := range 5 {
		r.Record(emotion(t, i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Stats().Failed < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := r.Writable(); err != nil {
		t.Errorf("writable after a refused batch: %v", err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Failed != 5 || s.Held != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// A store that keeps failing through Close loses what is held after CloseRetries tries,
// counted as failed, and Close returns (it does not retry forever).
func TestRecorderCloseGivesUpOnAFailingStore(t *testing.T) {
	f := &fakeStore{fail: errors.New("database or disk is full")}
	r := store.StartRecorder(f, store.RecorderConfig{RetryMin: time.Millisecond, RetryMax: 2 * time.Millisecond})
	for i := range 5 {
		r.Record(emotion(t, i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Writable() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := r.Writable(); !errors.Is(err, store.ErrUnwritable) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Writable: %v", err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Failed != 5 || s.Written != 0 || s.WriteErrors < 2 {
		t.Fatalf("stats %+v", s)
	}
}

// An error that is neither known to pass nor known to be permanent is retried MaxStrikes
// times, then what fails is dropped and counted, so it cannot hold back every later row.
func TestRecorderStrikesOutUnknownErrors(t *testing.T) {
	f := &fakeStore{fail: errors.New("store: something new and permanent")}
	r := store.StartRecorder(f, store.RecorderConfig{RetryMin: time.Millisecond, RetryMax: time.Millisecond})
	for i := range 5 {
		r.Record(emotion(t, i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Stats().Failed < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	s := r.Stats()
	if s.Failed != 5 || s.WriteErrors != store.MaxStrikes+1 || r.Writable() != nil {
		t.Fatalf("stats %+v, writable %v", s, r.Writable())
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
