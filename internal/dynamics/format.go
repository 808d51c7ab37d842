package dynamics

import (
	"math"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// secs formats seconds for alert messages: "4 s".
func secs(s float64) string { return strconv.Itoa(int(math.Round(s))) + " s" }

// mins formats a window for alert messages: "2 min", or "90 s" below a whole minute.
func mins(s float64) string {
	if m := s / 60; m == math.Trunc(m) {
		return strconv.Itoa(int(m)) + " min"
	}
	return secs(s)
}
