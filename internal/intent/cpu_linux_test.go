package intent

import (
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// threadCPU returns the CPU time the calling OS thread has used
// (clock_gettime(CLOCK_THREAD_CPUTIME_ID)).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// BenchmarkClassifyCPU reports Classify's CPU time per utterance on one core — the cost
// that wall-clock figures on a shared, loaded machine hide under scheduler waits — as the
// mean and the p99 over the run (p99 includes garbage collection the call triggers).
func BenchmarkClassifyCPU(b *testing.B) {
	m := model(b)
	lines := benchLines()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := threadCPU()
		m.Classify(lines[i%len(lines)], "")
		ds = append(ds, threadCPU()-t0)
	}
	b.StopTimer()
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(sum.Microseconds())/float64(len(ds)), "cpu-µs/op")
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "cpu-p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "cpu-p99-µs")
}
