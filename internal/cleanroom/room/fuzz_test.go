package room_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/cleanroom/room"
)

// FuzzWindow: a value window either parses to a positive whole number of days or hours, at
// most MaxWindow, that prints back as the same text, or is refused; it never panics.
func FuzzWindow(f *testing.F) {
	for _, s := range []string{"30d", "12h", "0d", "-1d", "1", "d", "3661d", "007d", "1.5d", "30D", "1e3h", "9223372036854775807h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := room.ValueSpec{Event: "e", Property: "p", Window: s}.Duration()
		if err != nil {
			return
		}
		if d <= 0 || d > room.MaxWindow {
			t.Fatalf("%q parsed to %v", s, d)
		}
		unit, n := time.Hour, int64(d/time.Hour)
		if s[len(s)-1] == 'd' {
			unit, n = 24*time.Hour, int64(d/(24*time.Hour))
		}
		if time.Duration(n)*unit != d || strconv.FormatInt(n, 10)+s[len(s)-1:] != s {
			t.Fatalf("%q parsed to %v, which does not print back", s, d)
		}
	})
}
