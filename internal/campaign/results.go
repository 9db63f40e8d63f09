package campaign

import (
	"context"
	"math"

	"github.com/stewardhq/steward/internal/store"
)

// Results are a campaign's (or journey's) outcome so far.
type Results struct {
	Campaign string `json:"campaign"`
	// Sends: messages the checks let through (delivered, dead or still pending).
	Sends     int64            `json:"sends"`
	Delivered int64            `json:"delivered"`
	Pending   int64            `json:"pending"`
	Dead      int64            `json:"dead"`
	Skipped   map[string]int64 `json:"skipped"`
	Holdout   int64            `json:"holdout"`
	// Variants counts delivered messages by variant (personalised, plain).
	Variants map[string]int64 `json:"variants"`
	// Conversions within the window: among delivered messages and among the holdout.
	Conversions        int64   `json:"conversions"`
	HoldoutConversions int64   `json:"holdout_conversions"`
	Uplift             *Uplift `json:"uplift,omitempty"`
	// Funnel is the way from the audience to conversions, for charts.
	Funnel Funnel `json:"funnel"`
	// DP, when set, says the counts were released through differential privacy.
	DP *DPInfo `json:"dp,omitempty"`
}

// Funnel: audience (every decision: everyone the runs considered) → eligible (passed the
// send-time checks: sent or held out) → sent (treated: the checks let the message through)
// → delivered (the channel accepted it) → converted (within the window); the held-out
// group beside it, for the uplift.
type Funnel struct {
	Audience  int64 `json:"audience"`
	Eligible  int64 `json:"eligible"`
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Converted int64 `json:"converted"`
	Skipped   int64 `json:"skipped"`
	Holdout   int64 `json:"holdout"`
	// HoldoutConverted: held-out people who converted anyway.
	HoldoutConverted int64 `json:"holdout_converted"`
}

// Uplift is the difference of conversion rates, delivered minus holdout, with its 95%
// confidence interval by Newcombe's hybrid score method (Newcombe 1998, method 10: Wilson
// score intervals for each rate, combined), which keeps its coverage for small groups and
// rates near 0 or 1 where the Wald interval does not.
type Uplift struct {
	Treated    float64 `json:"treated_rate"`
	Control    float64 `json:"holdout_rate"`
	Difference float64 `json:"difference"`
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	Method     string  `json:"method"`
}

// Results reads a campaign's results from its messages.
func (s *Service) Results(ctx context.Context, campaignID string) (Results, error) {
	r := Results{Campaign: campaignID, Skipped: map[string]int64{}, Variants: map[string]int64{}}
	counts, err := s.cfg.Store.MessageCounts(ctx, campaignID)
	if err != nil {
		return r, err
	}
	for _, c := range counts {
		switch c.Status {
		case store.MessageDelivered:
			r.Delivered += c.N
			r.Variants[c.Variant] += c.N
			if c.Converted {
				r.Conversions += c.N
			}
		case store.MessagePending:
			r.Pending += c.N
		case store.MessageDead:
			r.Dead += c.N
		case store.MessageSkipped:
			r.Skipped[c.Reason] += c.N
		case store.MessageHoldout:
			r.Holdout += c.N
			if c.Converted {
				r.HoldoutConversions += c.N
			}
		}
	}
	r.finish()
	return r, nil
}

// finish derives the totals, the funnel and the uplift from the counts.
func (r *Results) finish() {
	r.Sends = r.Delivered + r.Pending + r.Dead
	var skipped int64
	for _, n := range r.Skipped {
		skipped += n
	}
	r.Funnel = Funnel{Audience: r.Sends + r.Holdout + skipped, Eligible: r.Sends + r.Holdout, Sent: r.Sends, Delivered: r.Delivered,
		Converted: r.Conversions, Skipped: skipped, Holdout: r.Holdout, HoldoutConverted: r.HoldoutConversions}
	if r.Delivered > 0 && r.Holdout > 0 {
		u := NewcombeInterval(r.Conversions, r.Delivered, r.HoldoutConversions, r.Holdout, 1.959963984540054)
		r.Uplift = &u
	}
}

// NewcombeInterval returns the difference p1 − p2 of two proportions x1/n1 and x2/n2 with
// Newcombe's hybrid score interval at normal quantile z (1.96 for 95%).
func NewcombeInterval(x1, n1, x2, n2 int64, z float64) Uplift {
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	l1, u1 := wilson(x1, n1, z)
	l2, u2 := wilson(x2, n2, z)
	d := p1 - p2
	return Uplift{Treated: p1, Control: p2, Difference: d,
		Low:    d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2)),
		High:   d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2)),
		Method: "newcombe-hybrid-score-95"}
}

// wilson returns the Wilson score interval of x/n.
func wilson(x, n int64, z float64) (float64, float64) {
	p, fn := float64(x)/float64(n), float64(n)
	den := 1 + z*z/fn
	center := (p + z*z/(2*fn)) / den
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	return math.Max(0, center-half), math.Min(1, center+half)
}
