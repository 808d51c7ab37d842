package redact

import "testing"

func TestStripPlaceholders(t *testing.T) {
	in := "mijn IBAN NL91ABNA0417164300 en tel 0612345678, pas 4111 1111 1111 1111"
	red, spans := Redact(in, Options{Amounts: true})
	if len(spans) != 3 {
		t.Fatalf("redacted %q: %v", red, spans)
	}
	if got, want := StripPlaceholders(red), "mijn IBAN   en tel  , pas  "; got != want {
		t.Errorf("StripPlaceholders(%q) = %q, want %q", red, got, want)
	}
	for _, s := range []string{"[BSN]", "[AMOUNT]", "[CARD]"} {
		if got := StripPlaceholders(s); got != " " {
			t.Errorf("%s → %q", s, got)
		}
	}
	if got := StripPlaceholders("[NOISE] en [iban]"); got != "[NOISE] en [iban]" {
		t.Errorf("only redact's own placeholders go: %q", got)
	}
}
