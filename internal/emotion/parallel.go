package emotion

import (
	"context"
	"sync"
)

// parallel calls f(i) for i in [0, n) on jobs goroutines (at least one) and waits for
// them. It stops handing out indices when ctx is done and then returns ctx's error; the
// calls already started run to the end.
func parallel(ctx context.Context, n, jobs int, f func(i int)) error {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(jobs, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	var err error
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}
