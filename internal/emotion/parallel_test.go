package emotion

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestParallelCallsEachIndexOnce(t *testing.T) {
	for _, jobs := range []int{0, 1, 4} {
		seen := make([]atomic.Int32, 100)
		if err := parallel(context.Background(), len(seen), jobs, func(i int) { seen[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if n := seen[i].Load(); n != 1 {
				t.Fatalf("jobs %d: index %d called %d times", jobs, i, n)
			}
		}
	}
}

func TestParallelStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	err := parallel(ctx, 1000, 2, func(i int) {
		if calls.Add(1) == 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n := calls.Load(); n >= 1000 {
		t.Fatalf("%d calls after cancelling at the 10th", n)
	}
}
