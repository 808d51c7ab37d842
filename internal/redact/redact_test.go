package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
		opts           Options
	}{
		{"nl iban spaced", "mijn rekening is NL91 ABNA 0417 1643 00 ja", "mijn rekening is [IBAN] ja", Options{}},
		{"nl iban compact lower", "nl91abna0417164300", "[IBAN]", Options{}},
		{"nl iban bad checksum still redacted", "NL00 INGB 0001 2345 67", "[IBAN]", Options{}},
		{"be iban", "BE68 5390 0754 7034 graag", "[IBAN] graag", Options{}},
		{"de iban", "DE89370400440532013000", "[IBAN]", Options{}},
		{"not iban: bad mod97", "DE00370400440532013000", "DE00370400440532013000", Options{}},
		{"card spaced", "kaart 4111 1111 1111 1111 verlopen", "kaart [CARD] verlopen", Options{}},
		{"card dashes", "card 5500-0000-0000-0004", "card [CARD]", Options{}},
		{"card fails luhn", "4111 1111 1111 1112", "4111 1111 1111 1112", Options{}},
		{"bsn", "mijn bsn is 111222333", "mijn bsn is [BSN]", Options{}},
		{"bsn dotted", "BSN 1234.56.782", "BSN [BSN]", Options{}},
		{"bsn invalid", "nummer 123456789", "nummer 123456789", Options{}},
		{"mobile", "bel me op 06-12345678", "bel me op [PHONE]", Options{}},
		{"mobile spaced", "06 12 34 56 78 is mijn nummer", "[PHONE] is mijn nummer", Options{}},
		{"landline", "(020) 123 4567", "[PHONE]", Options{}},
		{"intl", "call +44 20 7946 0958 please", "call [PHONE] please", Options{}},
		{"intl nl", "+31 6 12345678", "[PHONE]", Options{}},
		{"0031", "0031 6 12345678", "[PHONE]", Options{}},
		{"two phones", "0612345678 of 0201234567", "[PHONE] of [PHONE]", Options{}},
		{"date kept", "op 12-03-2024 betaald", "op 12-03-2024 betaald", Options{}},
		{"short numbers kept", "ik heb 3 keer gebeld over 2 facturen van 45", "ik heb 3 keer gebeld over 2 facturen van 45", Options{}},
		{"amount off", "het was 120 euro", "het was 120 euro", Options{}},
		{"amount euro word", "het was 120 euro", "het was [AMOUNT]", Options{Amounts: true}},
		{"amount sign", "€ 49,95 afgeschreven", "[AMOUNT] afgeschreven", Options{Amounts: true}},
		{"amount dollar", "charged $5.99 twice", "charged [AMOUNT] twice", Options{Amounts: true}},
		{"mixed", "IBAN NL91ABNA0417164300 en tel 0612345678", "IBAN [IBAN] en tel [PHONE]", Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, spans := Redact(tc.in, tc.opts)
			if got != tc.want {
				t.Fatalf("Redact(%q) = %q, want %q (spans %v)", tc.in, got, tc.want, spans)
			}
			checkSpans(t, tc.in, spans)
		})
	}
}

func TestElfProefAndLuhn(t *testing.T) {
	for _, d := range []string{"111222333", "123456782", "12345672"} {
		if !elfProef(d) {
			t.Errorf("elfProef(%s) = false", d)
		}
	}
	for _, d := range []string{"123456789", "000000000", "111222334"} {
		if elfProef(d) {
			t.Errorf("elfProef(%s) = true", d)
		}
	}
	if !luhn("4111111111111111") || luhn("4111111111111112") {
		t.Error("luhn")
	}
}

func checkSpans(t *testing.T, in string, spans []Span) {
	t.Helper()
	last := 0
	for _, s := range spans {
		if s.Start < last || s.End <= s.Start || s.End > len(in) {
			t.Fatalf("bad span %+v in %q (prev end %d)", s, in, last)
		}
		last = s.End
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"NL91 ABNA 0417 1643 00", "4111 1111 1111 1111", "+31 6 12345678",
		"111222333", "€ 12,50", "(020) 123-4567", "bel 06 1234 5678 of mail", "", "++((--"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, amounts bool) {
		out, spans := Redact(in, Options{Amounts: amounts})
		checkSpans(t, in, spans)
		if len(spans) == 0 && out != in {
			t.Fatalf("no spans but text changed")
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("redaction broke UTF-8: %q -> %q", in, out)
		}
		// Redacting again finds no identifying numbers left.
		if _, again := Redact(out, Options{Amounts: amounts}); len(again) > 0 {
			for _, s := range again {
				if !strings.HasPrefix(out[s.Start:], "[") {
					t.Fatalf("second pass found %+v in %q (from %q)", s, out, in)
				}
			}
		}
	})
}
