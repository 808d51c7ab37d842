package ingest

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// Refusals logs refused connections at most once per source per Every, so a flood from
// one address (or many) costs a counter increment, not a log line per packet. The table
// of sources is bounded; when full it starts over (a flood from very many addresses then
// logs at most Max lines per Every).
type Refusals struct {
	Log   *slog.Logger
	Every time.Duration // per-source quiet period [1m]
	Max   int           // sources remembered [1024]
	Now   func() time.Time

	mu    sync.Mutex
	last  map[netip.Addr]time.Time
	total uint64
}

// Refused counts one refusal of src and logs it (msg, err, the running total) unless src
// was logged within Every.
func (r *Refusals) Refused(src netip.Addr, msg string, err error, args ...any) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	every, max := r.Every, r.Max
	if every <= 0 {
		every = time.Minute
	}
	if max <= 0 {
		max = 1024
	}
	t := now()
	r.mu.Lock()
	r.total++
	total := r.total
	if r.last == nil || len(r.last) >= max {
		r.last = make(map[netip.Addr]time.Time, 64)
	}
	prev, seen := r.last[src]
	quiet := seen && t.Sub(prev) < every
	if !quiet {
		r.last[src] = t
	}
	r.mu.Unlock()
	if quiet || r.Log == nil {
		return
	}
	r.Log.Warn(msg, append([]any{"source", src.String(), "err", err, "refused_total", total,
		"next_log_for_source_after", every}, args...)...)
}

// Total returns how many refusals were counted.
func (r *Refusals) Total() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}
