package siprec

import (
	"bytes"
	"context"
	"log/slog"
	"time"

	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/logx"
)

// Logging. Everything a SIP peer sends is untrusted and may carry credentials
// (X-Undertone-Token, Authorization): the server's own logger and the one sipgo gets are
// both wrapped with logx (credentials redacted, values cut, warnings and errors limited
// per source), whatever logger the server was given.
//
// sipgo logs a message it cannot parse at ERROR with the whole datagram as "data" and no
// source address. Garbage from the network is not a fault of this server: such lines are
// written at WARN, with only the first line of the message (cut) and its size, and at
// most sipParseBurst of them per sipParseEvery over all sources (sipgo gives no source to
// limit by).
const (
	sipParseBurst = 5
	sipParseEvery = 2 * time.Second
)

// serverLogger wraps the logger the server was configured with.
func serverLogger(log *slog.Logger) *slog.Logger { return slog.New(logx.Wrap(log.Handler())) }

// sipgoLogger is the logger handed to sipgo's transport and transaction layers and server.
func sipgoLogger(log *slog.Logger) *slog.Logger {
	h := logx.Limit(sipgoHandler{logx.Redact(log.Handler())},
		logx.LimitConfig{Burst: sipParseBurst, Every: sipParseEvery, MsgBurst: sipParseBurst, MsgEvery: sipParseEvery})
	return slog.New(h).With("layer", "sipgo")
}

// sipgoHandler rewrites sipgo's records of unparsable messages: WARN, and "data" replaced
// by "data_bytes" and "first_line".
type sipgoHandler struct{ h slog.Handler }

func (s sipgoHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return s.h.Enabled(ctx, l) || l == slog.LevelError && s.h.Enabled(ctx, slog.LevelWarn)
}

func (s sipgoHandler) Handle(ctx context.Context, r slog.Record) error {
	hasData := false
	r.Attrs(func(a slog.Attr) bool {
		hasData = hasData || a.Key == "data"
		return !hasData
	})
	if !hasData {
		return s.h.Handle(ctx, r)
	}
	lv := r.Level
	if lv == slog.LevelError {
		lv = slog.LevelWarn
	}
	if !s.h.Enabled(ctx, lv) {
		return nil
	}
	out := slog.NewRecord(r.Time, lv, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "data" {
			out.AddAttrs(a)
			return true
		}
		b := []byte(a.Value.String())
		first, _, _ := bytes.Cut(b, []byte("\n"))
		out.AddAttrs(slog.Int("data_bytes", len(b)), slog.String("first_line", clip.String(string(bytes.TrimRight(first, "\r")), 80)))
		return true
	})
	return s.h.Handle(ctx, out)
}

func (s sipgoHandler) WithAttrs(as []slog.Attr) slog.Handler { return sipgoHandler{s.h.WithAttrs(as)} }
func (s sipgoHandler) WithGroup(name string) slog.Handler    { return sipgoHandler{s.h.WithGroup(name)} }
