// Package clip bounds how much of an untrusted input an HTTP answer, a SIP reason or a
// log line quotes back. An error message that names the bad value helps the integrator
// who sent it; one that echoes 10 kB of it back helps an attacker amplify and fills logs.
//
// Stage: at the edge, wherever a message is built from what a client sent.
package clip

import (
	"strconv"
	"unicode/utf8"
)

// Max is how many bytes of an input a message quotes.
const Max = 64

// Ellipsis marks a cut.
const Ellipsis = "…"

// String returns s cut to at most n bytes on a rune boundary, with Ellipsis appended when
// it was cut. Invalid UTF-8 is kept as is (Quote escapes it).
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	cut := n
	for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + Ellipsis
}

// Quote is s cut to Max bytes and quoted as %q would (escapes and all), so control bytes
// and newlines in the input cannot forge lines in a log or a terminal.
func Quote(s string) string { return strconv.Quote(String(s, Max)) }
