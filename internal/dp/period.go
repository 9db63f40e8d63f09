package dp

import (
	"fmt"
	"strconv"
	"time"
)

// Lifetime is the period of a budget that never renews.
const Lifetime = "lifetime"

const (
	day       = 24 * time.Hour
	minPeriod = time.Hour
	maxPeriod = 10 * 366 * day
	maxDigits = 6
)

// ParsePeriod parses a budget's period: "lifetime" (0: every charge counts for ever) or a
// rolling window of a whole number of hours, days or weeks ("12h", "30d", "4w"), from one
// hour to ten years. A charge counts against a rolling budget until the window has passed
// since it was made.
func ParsePeriod(s string) (time.Duration, error) {
	if s == Lifetime {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf(`is required: "lifetime" or a rolling window such as "30d"`)
	}
	n, unit := s[:len(s)-1], s[len(s)-1]
	var u time.Duration
	switch unit {
	case 'h':
		u = time.Hour
	case 'd':
		u = day
	case 'w':
		u = 7 * day
	default:
		return 0, fmt.Errorf(`%q: want "lifetime" or a number of hours, days or weeks such as "12h", "30d", "4w"`, clip(s))
	}
	if n == "" || len(n) > maxDigits {
		return 0, fmt.Errorf("%q: want 1 to %d digits before the unit", clip(s), maxDigits)
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return 0, fmt.Errorf("%q: want digits before the unit", clip(s))
		}
	}
	v, _ := strconv.Atoi(n)
	d := time.Duration(v) * u
	if d < minPeriod || d > maxPeriod {
		return 0, fmt.Errorf("%q: a rolling window lasts from 1h to 10 years", clip(s))
	}
	return d, nil
}

// FormatPeriod is ParsePeriod's inverse: "lifetime" for 0, else weeks, days or hours.
func FormatPeriod(w time.Duration) string {
	switch {
	case w == 0:
		return Lifetime
	case w%(7*day) == 0:
		return strconv.FormatInt(int64(w/(7*day)), 10) + "w"
	case w%day == 0:
		return strconv.FormatInt(int64(w/day), 10) + "d"
	default:
		return strconv.FormatInt(int64(w/time.Hour), 10) + "h"
	}
}
