package auth

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestCallLimiter(t *testing.T) {
	l := NewCallLimiter(2)
	in := Principal{Role: Integrator, Name: "integrator#1"}
	big := Principal{Role: Integrator, Name: "big", MaxCalls: 3}
	admin := Principal{Role: Admin, Name: "admin#1"}

	s1, err := l.Reserve(in, "")
	if err != nil {
		t.Fatal(err)
	}
	r1 := s1.Hold("c1")
	s2, _ := l.Reserve(in, "")
	if _, err := l.Reserve(in, ""); !errors.Is(err, ErrTooManyCalls) {
		t.Fatalf("third while one is pending: %v", err)
	}
	s2.Cancel()
	s2.Cancel()                    // safe twice
	s3, err := l.Reserve(in, "c1") // joining its own call is free…
	if err != nil {
		t.Fatal(err)
	}
	if r := s3.Hold("c1"); r != nil { // …and the first holder releases it
		t.Error("a second hold of the same call got its own release")
	}
	r2 := mustHold(t, l, in, "c2")
	if _, err := l.Reserve(in, "c3"); !errors.Is(err, ErrTooManyCalls) {
		t.Fatalf("over the default: %v", err)
	}
	if l.Open(in) != 2 {
		t.Errorf("open %d", l.Open(in))
	}
	for i := range 3 { // a token's own MaxCalls wins over the default
		mustHold(t, l, big, string(rune('a'+i)))
	}
	if _, err := l.Reserve(big, ""); !errors.Is(err, ErrTooManyCalls) {
		t.Error("MaxCalls not applied")
	}
	for i := range 10 { // admins are not limited
		mustHold(t, l, admin, string(rune('a'+i)))
	}
	r1()
	r1() // safe twice
	r2()
	if l.Open(in) != 0 {
		t.Errorf("open after release %d", l.Open(in))
	}
	var nl *CallLimiter
	if s, err := nl.Reserve(in, ""); err != nil || s.Hold("x") != nil {
		t.Error("a nil limiter limits")
	}
}

func mustHold(t *testing.T, l *CallLimiter, p Principal, id string) func() {
	t.Helper()
	s, err := l.Reserve(p, id)
	if err != nil {
		t.Fatalf("%s %s: %v", p.Name, id, err)
	}
	return s.Hold(id)
}

// Concurrent offers never take more slots than the bound.
func TestCallLimiterConcurrent(t *testing.T) {
	l := NewCallLimiter(5)
	p := Principal{Role: Integrator, Name: "i"}
	var mu sync.Mutex
	held := 0
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if s, err := l.Reserve(p, ""); err == nil {
				s.Hold(string(rune('A' + i)))
				mu.Lock()
				held++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if held != 5 || l.Open(p) != 5 {
		t.Errorf("held %d open %d, want 5", held, l.Open(p))
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(Limits{Rate: 2, Burst: 2, Concurrent: 1, Now: func() time.Time { return now }})
	k := "tok_1"
	for i := range 2 {
		if ok, _ := l.Allow(k); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow(k)
	if ok || wait <= 0 || wait > time.Second {
		t.Errorf("third request: %v %v", ok, wait)
	}
	if ok, _ := l.Allow("tok_2"); !ok {
		t.Error("another token shares the bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow(k); !ok {
		t.Error("refused after refill")
	}
	rel, ok := l.Acquire(k)
	if !ok {
		t.Fatal("first stream refused")
	}
	if _, ok := l.Acquire(k); ok {
		t.Error("second stream allowed")
	}
	rel()
	rel()
	if _, ok := l.Acquire(k); !ok {
		t.Error("stream refused after release")
	}
	var nl *Limiter
	if ok, _ := nl.Allow(k); !ok {
		t.Error("nil limiter refuses")
	}
}
