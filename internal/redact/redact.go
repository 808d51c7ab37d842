package redact

import (
	"regexp"
	"sort"
	"strings"
)

// Kinds of redacted span; each is also the placeholder text, in square brackets.
const (
	KindIBAN   = "IBAN"
	KindCard   = "CARD"
	KindBSN    = "BSN"
	KindPhone  = "PHONE"
	KindAmount = "AMOUNT"
)

// Options selects what is redacted beyond the identifying numbers that are always removed.
type Options struct {
	Amounts bool // also redact money amounts (€ 12,50, 100 euro, $5)
}

// Span is one redacted part of the input: [Start, End) byte offsets into the original
// text and the kind of number it held.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Kind  string `json:"kind"`
}

var (
	// IBAN: two letters, two check digits, then 11–30 alphanumerics, possibly in groups
	// separated by single spaces (as written and as ASR tends to output them).
	reIBAN = regexp.MustCompile(`(?i)\b[a-z]{2}[ ]?\d{2}(?:[ ]?[a-z0-9]){11,30}\b`)
	// A run of digits with single separators (space, dot, dash, slash) and an optional
	// leading + or parenthesised area code: candidate card, BSN or phone number.
	reDigits = regexp.MustCompile(`\+?\(?\d(?:[\d]|[ .\-/]\(?\d|\)[ ]?\d)*`)
	reDate   = regexp.MustCompile(`^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$`)
	// Money: currency sign or code before, or currency word after, an amount.
	reAmount = regexp.MustCompile(`(?i)(?:[€$£]|\b(?:eur|usd|gbp)\b)[ ]?\d[\d.,]*(?:[.,]-)?|\b\d[\d.,]*[ ]?(?:euro|eur|euros|dollars?|pond|pounds?|cent)\b`)
)

// Redact returns text with identifying numbers replaced by placeholders such as "[IBAN]",
// and the spans (in the original text) that were replaced, in order.
func Redact(text string, opts Options) (string, []Span) {
	spans := Find(text, opts)
	if len(spans) == 0 {
		return text, nil
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.Start])
		b.WriteByte('[')
		b.WriteString(s.Kind)
		b.WriteByte(']')
		last = s.End
	}
	b.WriteString(text[last:])
	return b.String(), spans
}

// Find returns the spans Redact would replace, sorted and non-overlapping.
func Find(text string, opts Options) []Span {
	var spans []Span
	taken := func(a, b int) bool {
		for _, s := range spans {
			if a < s.End && s.Start < b {
				return true
			}
		}
		return false
	}
	for _, m := range reIBAN.FindAllStringIndex(text, -1) {
		// The greedy match may have swallowed following words ("… 1643 00 ja"): shorten
		// it at spaces until it validates.
		a := m[0]
		for e := m[1]; e-a >= 15; e-- {
			if (e == m[1] || text[e] == ' ') && validIBAN(text[a:e]) {
				spans = append(spans, Span{a, e, KindIBAN})
				break
			}
		}
	}
	for _, m := range reDigits.FindAllStringIndex(text, -1) {
		a, b := trimSpan(text, m[0], m[1])
		if a >= b || taken(a, b) {
			continue
		}
		if sub := classifyDigits(text[a:b]); sub != "" {
			spans = append(spans, Span{a, b, sub})
			continue
		}
		// A long run may hold several numbers ("bel 0612345678 of 0201234567"):
		// try each space-separated group on its own and each pair of groups.
		spans = append(spans, splitRun(text, a, b, taken)...)
	}
	if opts.Amounts {
		for _, m := range reAmount.FindAllStringIndex(text, -1) {
			if !taken(m[0], m[1]) {
				spans = append(spans, Span{m[0], m[1], KindAmount})
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	return spans
}

// trimSpan drops trailing separators and an unbalanced "(" from a digit-run match.
func trimSpan(text string, a, b int) (int, int) {
	for b > a && strings.IndexByte(" .-/(", text[b-1]) >= 0 {
		b--
	}
	return a, b
}

// splitRun classifies windows of consecutive space-separated groups inside a digit run that
// did not match as a whole, longest window first.
func splitRun(text string, a, b int, taken func(int, int) bool) []Span {
	type grp struct{ s, e int }
	var groups []grp
	s := a
	for i := a; i <= b; i++ {
		if i == b || text[i] == ' ' {
			if i > s {
				groups = append(groups, grp{s, i})
			}
			s = i + 1
		}
	}
	if len(groups) < 2 {
		return nil
	}
	var out []Span
	used := make([]bool, len(groups))
	// A phone number has at most six spoken groups ("+31 6 12 34 56 78"); capping the
	// window keeps this linear in the run length.
	maxW := min(len(groups)-1, 6)
	for w := maxW; w >= 1; w-- {
		for i := 0; i+w <= len(groups); i++ {
			free := true
			for k := i; k < i+w; k++ {
				free = free && !used[k]
			}
			if !free {
				continue
			}
			gs, ge := groups[i].s, groups[i+w-1].e
			if taken(gs, ge) {
				continue
			}
			// Only phone numbers are taken from part of a run: a card or BSN check passing
			// by chance on a fragment of a longer number is too likely.
			if kind := classifyDigits(text[gs:ge]); kind == KindPhone {
				out = append(out, Span{gs, ge, kind})
				for k := i; k < i+w; k++ {
					used[k] = true
				}
			}
		}
	}
	return out
}

// classifyDigits decides what a run of digits with separators is, or "" for none.
func classifyDigits(s string) string {
	if reDate.MatchString(s) {
		return "" // 12-03-2024 is a date, not a BSN
	}
	plus := strings.HasPrefix(s, "+")
	d := digitsOf(s)
	n := len(d)
	switch {
	case plus:
		// International: +CC then 7–14 more digits.
		if n >= 9 && n <= 15 {
			return KindPhone
		}
		return ""
	case n >= 13 && n <= 19 && luhn(d):
		return KindCard
	case strings.HasPrefix(d, "00") && n >= 11 && n <= 15:
		return KindPhone // 0031 6 12345678, 0044 …
	case n == 10 && d[0] == '0' && d[1] != '0':
		return KindPhone // Dutch national: 06…, 020…, 0800…
	case (n == 9 || n == 8) && elfProef(d):
		return KindBSN
	case (strings.HasPrefix(d, "0800") || strings.HasPrefix(d, "0900")) && n >= 7 && n <= 11:
		return KindPhone
	}
	return ""
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// luhn reports whether the digit string passes the Luhn (mod 10) check used by card numbers.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// elfProef reports whether an 8- or 9-digit string is a valid BSN: with weights 9..2 for the
// first eight digits and −1 for the last, the sum is divisible by 11 (8-digit BSNs have a
// leading zero dropped). All-zero is rejected.
func elfProef(d string) bool {
	if len(d) == 8 {
		d = "0" + d
	}
	if len(d) != 9 || strings.Trim(d, "0") == "" {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += (9 - i) * int(d[i]-'0')
	}
	sum -= int(d[8] - '0')
	return sum%11 == 0
}

// ibanLen holds the IBAN length of countries whose numbers are common in Dutch contact
// centres; other countries are accepted on the mod-97 check alone within 15..34 characters.
var ibanLen = map[string]int{
	"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "LU": 20,
	"AT": 20, "CH": 21, "IE": 22, "PL": 28, "PT": 25, "DK": 18, "SE": 24, "NO": 15, "FI": 18,
}

// validIBAN checks the shape of an IBAN candidate (spaces ignored). A Dutch IBAN (NL, two
// digits, four-letter bank code, ten digits) is redacted even with a wrong check sum, since
// a misheard digit still identifies the account holder; others need the ISO 13616 mod-97 check.
func validIBAN(s string) bool {
	c := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(c) < 15 || len(c) > 34 {
		return false
	}
	cc := c[:2]
	if want, ok := ibanLen[cc]; ok && len(c) != want {
		return false
	}
	if cc == "NL" && len(c) == 18 && isLetters(c[4:8]) && isDigits(c[8:]) {
		return true
	}
	if !isDigits(c[2:4]) {
		return false
	}
	return mod97(c[4:]+c[:4]) == 1
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// mod97 computes the remainder of the IBAN's numeric form (letters A=10 … Z=35) modulo 97.
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		default:
			return -1
		}
	}
	return r
}
