package logx

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"
)

// LimitConfig tunes Limit. Zero fields take the defaults in brackets.
type LimitConfig struct {
	Level     slog.Leveler  // records below it are never limited [Warn]
	Burst     int           // lines one (level, message, source) may write at once [5]
	Every     time.Duration // then one more line per Every [10s]
	MsgBurst  int           // lines one (level, message) may write at once over all sources [20]
	MsgEvery  time.Duration // then one more per MsgEvery [1s]
	MaxKeys   int           // keys tracked; beyond it sources of a message share its key [4096]
	SourceKey []string      // attribute keys naming the peer ["source", "src", "raddr", "peer", "remote", "remote_addr", "client"]
	Now       func() time.Time
}

func (c *LimitConfig) defaults() {
	if c.Level == nil {
		c.Level = slog.LevelWarn
	}
	if c.Burst <= 0 {
		c.Burst = 5
	}
	if c.Every <= 0 {
		c.Every = 10 * time.Second
	}
	if c.MsgBurst <= 0 {
		c.MsgBurst = 20
	}
	if c.MsgEvery <= 0 {
		c.MsgEvery = time.Second
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 4096
	}
	if c.SourceKey == nil {
		c.SourceKey = []string{"source", "src", "raddr", "peer", "remote", "remote_addr", "client"}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Limit wraps h so that records at cfg.Level and above are written at most Burst at once
// and then one per Every for each (level, message, source) — the source is the host of
// the first attribute named in SourceKey, from the record or from WithAttrs — and at most
// MsgBurst, then one per MsgEvery, for each (level, message) over all sources, so that
// spoofed source addresses do not multiply the budget. A line written after others were
// dropped carries "suppressed" (how many of its key were dropped since its last line).
// Lower levels pass untouched: they are off in production, and on when someone is
// debugging and wants every line.
func Limit(h slog.Handler, cfg LimitConfig) slog.Handler {
	cfg.defaults()
	return &limitHandler{h: h, st: &limitState{cfg: cfg, keys: map[limitKey]*bucket{}}}
}

type limitHandler struct {
	h      slog.Handler
	st     *limitState
	source string // from WithAttrs
}

type limitKey struct {
	level  slog.Level
	msg    string
	source string // "" for the per-message bucket
}

type bucket struct {
	tokens     float64
	at         time.Time
	suppressed int
}

type limitState struct {
	cfg LimitConfig

	mu   sync.Mutex
	keys map[limitKey]*bucket
}

func (l *limitHandler) Enabled(ctx context.Context, lv slog.Level) bool { return l.h.Enabled(ctx, lv) }

func (l *limitHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < l.st.cfg.Level.Level() {
		return l.h.Handle(ctx, r)
	}
	src := l.source
	if src == "" {
		r.Attrs(func(a slog.Attr) bool {
			if s, ok := l.st.sourceOf(a); ok {
				src = s
				return false
			}
			return true
		})
	}
	ok, suppressed := l.st.allow(r.Level, r.Message, src)
	if !ok {
		return nil
	}
	if suppressed > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", suppressed))
	}
	return l.h.Handle(ctx, r)
}

func (l *limitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := &limitHandler{h: l.h.WithAttrs(as), st: l.st, source: l.source}
	for _, a := range as {
		if s, ok := l.st.sourceOf(a); ok {
			out.source = s
		}
	}
	return out
}

func (l *limitHandler) WithGroup(name string) slog.Handler {
	return &limitHandler{h: l.h.WithGroup(name), st: l.st, source: l.source}
}

// sourceOf reports the host of a source-naming attribute.
func (st *limitState) sourceOf(a slog.Attr) (string, bool) {
	for _, k := range st.cfg.SourceKey {
		if a.Key != k {
			continue
		}
		v := a.Value.Resolve()
		var s string
		switch v.Kind() {
		case slog.KindString:
			s = v.String()
		case slog.KindAny:
			if x, ok := v.Any().(interface{ String() string }); ok {
				s = x.String()
			} else {
				return "", false
			}
		default:
			return "", false
		}
		if h, _, err := net.SplitHostPort(s); err == nil {
			s = h
		}
		if len(s) > 64 {
			s = s[:64]
		}
		return s, true
	}
	return "", false
}

// take refills b and takes one line from it.
func take(b *bucket, now time.Time, burst int, every time.Duration) bool {
	if !b.at.IsZero() {
		b.tokens += float64(now.Sub(b.at)) / float64(every)
		if b.tokens > float64(burst) {
			b.tokens = float64(burst)
		}
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allow decides one line and returns how many of its key were dropped before it.
func (st *limitState) allow(lv slog.Level, msg, src string) (bool, int) {
	now := st.cfg.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	mk := limitKey{level: lv, msg: msg}
	sk := limitKey{level: lv, msg: msg, source: src}
	mb := st.bucket(mk, st.cfg.MsgBurst, now)
	sb := mb
	if src != "" {
		if b := st.bucket(sk, st.cfg.Burst, now); b != nil {
			sb = b
		}
	}
	if mb == nil { // no room even for the message: keep the log alive, unlimited
		return true, 0
	}
	ok := true
	if sb != mb {
		ok = take(sb, now, st.cfg.Burst, st.cfg.Every)
	}
	if ok {
		ok = take(mb, now, st.cfg.MsgBurst, st.cfg.MsgEvery)
	}
	if !ok {
		sb.suppressed++
		return false, 0
	}
	n := sb.suppressed
	sb.suppressed = 0
	return true, n
}

// bucket returns the bucket of k, making it (full) if there is room.
func (st *limitState) bucket(k limitKey, burst int, now time.Time) *bucket {
	if b := st.keys[k]; b != nil {
		return b
	}
	if len(st.keys) >= st.cfg.MaxKeys {
		for key, b := range st.keys { // forget the quiet: full buckets with nothing suppressed
			every, bu := st.cfg.Every, st.cfg.Burst
			if key.source == "" {
				every, bu = st.cfg.MsgEvery, st.cfg.MsgBurst
			}
			if b.suppressed == 0 && b.tokens+float64(now.Sub(b.at))/float64(every) >= float64(bu) {
				delete(st.keys, key)
			}
		}
		if len(st.keys) >= st.cfg.MaxKeys {
			return nil
		}
	}
	b := &bucket{tokens: float64(burst), at: now}
	st.keys[k] = b
	return b
}

// Wrap is what main puts around the process's handler: Limit (drops before the cost of
// redaction) over Redact.
func Wrap(h slog.Handler) slog.Handler { return Limit(Redact(h), LimitConfig{}) }
