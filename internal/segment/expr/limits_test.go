package expr

import (
	"strings"
	"testing"
	"time"
)

// TestHostileInputStaysCheap: pathological inputs are rejected or parsed in linear time.
func TestHostileInputStaysCheap(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("(", 60000),
		strings.Repeat(`tag("a") and `, 4000) + `tag("b")`,
		strings.Repeat("not ", 15000) + `tag("a")`,
		strings.Repeat(`count(`, 10000),
		strings.Repeat(`)`, 60000),
		strings.Repeat(`"`, 60000),
		strings.Repeat(`trait("a") in [1,`, 3000),
		strings.Repeat(`((tag("a") or `, 4000),
	} {
		t0 := time.Now()
		n, err := Parse(s)
		if err == nil {
			Format(n)
		}
		if d := time.Since(t0); d > 1500*time.Millisecond { // linear: ~10 ms; quadratic would take seconds
			t.Errorf("%q...: %v", s[:20], d)
		}
	}
}
