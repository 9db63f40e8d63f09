package campaign_test

import (
	"math"
	"testing"

	"github.com/stewardhq/steward/internal/campaign"
)

// Newcombe (1998), Statistics in Medicine 17:873–890, Table II: 56/70 − 48/80 with method
// 10 (hybrid score) gives 0.2000 (0.0524, 0.3339).
func TestNewcombeInterval(t *testing.T) {
	u := campaign.NewcombeInterval(56, 70, 48, 80, 1.959963984540054)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"difference", u.Difference, 0.2}, {"low", u.Low, 0.0524}, {"high", u.High, 0.3339}} {
		if math.Abs(c.got-c.want) > 0.00005 {
			t.Errorf("%s = %.4f, want %.4f", c.name, c.got, c.want)
		}
	}
	// Rates at the edges stay within [-1, 1] and the interval contains the difference.
	e := campaign.NewcombeInterval(0, 10, 10, 10, 1.96)
	if e.Low < -1 || e.High > 1 || e.Low > e.Difference || e.High < e.Difference {
		t.Errorf("edge interval = %+v", e)
	}
}
