package auth

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// FailureLimits tune Failures. Zero fields take the defaults in brackets.
type FailureLimits struct {
	Burst  int           // failed attempts a source may make at once [20]
	Refill time.Duration // one more attempt per Refill [5s]
	Max    int           // sources tracked; beyond it untracked sources share one budget [65 536]
	Good   time.Duration // a token that authenticated passes a blocked source for this long [10m]
	Now    func() time.Time
}

// Failures rate-limits failed authentication per source address, so guessing tokens is
// slow and refusing a guesser is cheap: a hash and two map lookups, no store query. Each
// source (an IPv4 address, or an IPv6 /64, since one host holds a whole /64) has a bucket
// of Burst attempts that refills one per Refill; a failure takes one. A source with an
// empty bucket is refused every token except those that authenticated within Good (so
// colleagues behind one NAT keep working while a page with a revoked token retries).
// When Max sources are tracked, entries whose buckets have refilled are forgotten; if none
// has, sources not yet tracked share one overflow bucket (a flood from very many addresses
// is slowed as a whole instead of growing the table). The set of good tokens is bounded
// by Max too (emptied when full: they pass again after their next success).
type Failures struct {
	cfg FailureLimits

	mu       sync.Mutex
	by       map[netip.Prefix]*failBucket
	overflow failBucket
	good     map[[32]byte]time.Time // token hash → until
}

type failBucket struct {
	tokens float64
	at     time.Time
}

// NewFailures returns a per-source failure limiter.
func NewFailures(l FailureLimits) *Failures {
	if l.Burst <= 0 {
		l.Burst = 20
	}
	if l.Refill <= 0 {
		l.Refill = 5 * time.Second
	}
	if l.Max <= 0 {
		l.Max = 1 << 16
	}
	if l.Good <= 0 {
		l.Good = 10 * time.Minute
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return &Failures{cfg: l, by: map[netip.Prefix]*failBucket{}, overflow: failBucket{tokens: float64(l.Burst)},
		good: map[[32]byte]time.Time{}}
}

// SourceKey is the bucket key of a remote address ("ip:port" or a bare ip): the address
// itself for IPv4, its /64 for IPv6. ok is false for an address it cannot parse.
func SourceKey(remote string) (netip.Prefix, bool) {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return netip.PrefixFrom(a, 32), true
	}
	p, _ := a.Prefix(64)
	return p, true
}

// refill brings b up to now.
func (f *Failures) refill(b *failBucket, now time.Time) {
	if !b.at.IsZero() {
		b.tokens += float64(now.Sub(b.at)) / float64(f.cfg.Refill)
		if b.tokens > float64(f.cfg.Burst) {
			b.tokens = float64(f.cfg.Burst)
		}
	}
	b.at = now
}

// bucket returns the source's bucket, creating it if there is room; nil means the
// source is not tracked and shares the overflow bucket.
func (f *Failures) bucket(k netip.Prefix, now time.Time, create bool) *failBucket {
	if b := f.by[k]; b != nil {
		return b
	}
	if !create {
		return nil
	}
	if len(f.by) >= f.cfg.Max {
		for key, b := range f.by {
			f.refill(b, now)
			if b.tokens >= float64(f.cfg.Burst) {
				delete(f.by, key)
			}
		}
		if len(f.by) >= f.cfg.Max {
			return nil
		}
	}
	b := &failBucket{tokens: float64(f.cfg.Burst), at: now}
	f.by[k] = b
	return b
}

// Blocked reports whether a token with hash tok from remote is refused — the source has no
// failed attempt left and the token has not authenticated lately — and how long until
// the source has an attempt again. A nil Failures never blocks.
func (f *Failures) Blocked(remote string, tok [32]byte) (bool, time.Duration) {
	if f == nil {
		return false, 0
	}
	k, ok := SourceKey(remote)
	if !ok {
		return false, 0
	}
	now := f.cfg.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if until, ok := f.good[tok]; ok && now.Before(until) {
		return false, 0
	}
	b := f.bucket(k, now, false)
	if b == nil {
		if len(f.by) < f.cfg.Max {
			return false, 0 // not tracked: no failure yet
		}
		b = &f.overflow
	}
	f.refill(b, now)
	if b.tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - b.tokens) * float64(f.cfg.Refill))
}

// Fail takes one attempt from remote's bucket.
func (f *Failures) Fail(remote string) {
	if f == nil {
		return
	}
	k, ok := SourceKey(remote)
	if !ok {
		return
	}
	now := f.cfg.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bucket(k, now, true)
	if b == nil {
		b = &f.overflow
	}
	f.refill(b, now)
	if b.tokens > 0 {
		b.tokens--
	}
	if b.tokens < 0 {
		b.tokens = 0
	}
}

// Succeeded remembers that the token with hash tok authenticated.
func (f *Failures) Succeeded(tok [32]byte) {
	if f == nil {
		return
	}
	now := f.cfg.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.good[tok]; !ok && len(f.good) >= f.cfg.Max {
		clear(f.good)
	}
	f.good[tok] = now.Add(f.cfg.Good)
}

// Tracked is the number of sources with a bucket.
func (f *Failures) Tracked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.by)
}
