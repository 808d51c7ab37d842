package call

import (
	"errors"
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	for _, id := range []string{"c1", "call-2026.11.22", "CA0123456789abcdef", "a:b_c-d", "v1.2", "x..y", ".x", strings.Repeat("a", 128)} {
		if err := ValidID(id); err != nil {
			t.Errorf("ValidID(%q): %v", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", "...", "a/b", `a\b`, "a b", "é", strings.Repeat("a", 129)} {
		if err := ValidID(id); !errors.Is(err, ErrBadID) {
			t.Errorf("ValidID(%q) = %v, want ErrBadID", id, err)
		}
	}
}

// A refused id is quoted back in part only: a 10 kB id must not come back in the error.
func TestValidIDErrorBounded(t *testing.T) {
	err := ValidID(strings.Repeat("x", 10_000))
	if err == nil || len(err.Error()) > 120 {
		t.Fatalf("error quotes %d bytes: %.200v", len(err.Error()), err)
	}
}
