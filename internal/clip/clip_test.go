package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 64, "short"},
		{"", 64, ""},
		{strings.Repeat("a", 64), 64, strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), 64, strings.Repeat("a", 64) + Ellipsis},
		{"ééé", 3, "é" + Ellipsis}, // never splits a rune
		{"abc", -1, Ellipsis},
	} {
		if got := String(c.in, c.n); got != c.want {
			t.Errorf("String(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestQuoteBounded(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	q := Quote(long)
	if len(q) > Max+len(Ellipsis)+2 || !strings.HasSuffix(q, Ellipsis+`"`) {
		t.Errorf("Quote of 10 kB: %d bytes %q", len(q), q)
	}
	if q := Quote("a\nb\x00"); q != `"a\nb\x00"` {
		t.Errorf("control bytes not escaped: %s", q)
	}
	if q := Quote(strings.Repeat("é", 100)); !utf8.ValidString(q) {
		t.Errorf("cut inside a rune: %q", q)
	}
}
