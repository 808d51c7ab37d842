package logx

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/undertone/undertone/internal/clip"
)

// Redacted replaces a credential in a log line.
const Redacted = "[redacted]"

// MaxValue is how many bytes of one string value (or message) a line keeps.
const MaxValue = 1024

// sensitiveKeys are attribute keys whose whole value is a credential (compared lower
// case, '-' read as '_').
var sensitiveKeys = map[string]bool{
	"token": true, "access_token": true, "bearer": true, "authorization": true, "proxy_authorization": true,
	"cookie": true, "set_cookie": true, "password": true, "passwd": true, "secret": true, "client_secret": true,
	"api_key": true, "apikey": true, "x_api_key": true, "x_undertone_token": true,
}

// SensitiveKey reports whether an attribute key names a credential.
func SensitiveKey(k string) bool {
	return sensitiveKeys[strings.ReplaceAll(strings.ToLower(k), "-", "_")]
}

var (
	// A header line carrying a credential (HTTP, SIP): the rest of the line goes.
	headerRe = regexp.MustCompile(`(?i)\b(x-undertone-token|authorization|proxy-authorization|www-authenticate|cookie|set-cookie|x-api-key)(\s*:\s*)[^\r\n]*`)
	// "Bearer <token>" (or Basic credentials) anywhere: a header value logged on its own,
	// an error text. Eight characters at least, so prose ("basic usage") is left alone.
	bearerRe = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}`)
	// token=… in a query string, SIP URI parameters or key=value text, and "token":"…" in
	// JSON (not "token: …" in prose: "missing token: want Bearer" is not a credential).
	paramRe = regexp.MustCompile(`(?i)(^|[?&;\s"'(,{])(token|access_token|api_key|apikey|secret|client_secret|password|undertone_session)(\s*=\s*|"\s*:\s*)("?)[^&;\s"'<>,)}]+`)
	// Tokens and session ids by their own shape (NewToken: ut_ + 64 hex; sessions: uts_ + 48 hex).
	shapeRe = regexp.MustCompile(`\buts?_[0-9a-fA-F]{16,}`)
	// user:password@ in a URL (a Postgres or NATS DSN).
	userinfoRe = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^@\s/]+@`)
)

// triggers are substrings (lower case) without which no pattern above can match; a value
// with none of them is returned untouched without running a regexp.
var triggers = []string{"token", "auth", "bearer", "basic", "cookie", "api-key", "api_key", "apikey",
	"secret", "password", "session", "ut_", "://"}

// String redacts credentials in s and cuts it to MaxValue bytes.
func String(s string) string {
	s = redactString(s)
	return clip.String(s, MaxValue)
}

func redactString(s string) string {
	l := strings.ToLower(s)
	hit := false
	for _, t := range triggers {
		if strings.Contains(l, t) {
			hit = true
			break
		}
	}
	if !hit {
		return s
	}
	s = headerRe.ReplaceAllString(s, "${1}${2}"+Redacted)
	s = bearerRe.ReplaceAllString(s, "${1}${2}"+Redacted)
	s = paramRe.ReplaceAllString(s, "${1}${2}${3}${4}"+Redacted)
	s = shapeRe.ReplaceAllString(s, Redacted)
	s = userinfoRe.ReplaceAllString(s, "${1}:"+Redacted+"@")
	return s
}

// Attr returns a with credentials redacted: a sensitive key loses its whole value; string,
// error, Stringer and []byte values are redacted and cut; groups are walked.
func Attr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if SensitiveKey(a.Key) && a.Value.Kind() != slog.KindGroup {
		return slog.String(a.Key, Redacted)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(a.Value.String()))
	case slog.KindGroup:
		g := a.Value.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = Attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			return slog.String(a.Key, String(v.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, String(v.String()))
		case []byte:
			return slog.String(a.Key, String(string(v)))
		}
	}
	return a
}

// Redact wraps h so that every record's message and attributes (those added with
// WithAttrs too) are passed through String and Attr before h sees them.
func Redact(h slog.Handler) slog.Handler {
	if _, ok := h.(redactHandler); ok {
		return h
	}
	return redactHandler{h}
}

type redactHandler struct{ h slog.Handler }

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(Attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = Attr(a)
	}
	return redactHandler{r.h.WithAttrs(out)}
}

func (r redactHandler) WithGroup(name string) slog.Handler { return redactHandler{r.h.WithGroup(name)} }
