package gate

import (
	"github.com/stewardhq/steward/internal/taxonomy"
	"github.com/stewardhq/steward/internal/tcf"
)

// tcfGrants maps a TC string onto the manifest's purposes. TCF purposes map to
// fideslang keys (internal/tcf's table), often narrower than a manifest purpose
// (analytics.reporting.ad_performance beneath analytics.reporting). A manifest purpose is
// granted only when every TCF-mapped key at or beneath it is granted — consent to a part
// never grants the whole — and withdrawn when any of them is refused.
func tcfGrants(tc *tcf.TCString, purposes []string) map[string]bool {
	signals := tcf.Consents(tc, 0)
	out := map[string]bool{}
	for _, p := range purposes {
		seen, all := false, true
		for key, granted := range signals {
			if taxonomy.Beneath(key, p) {
				seen = true
				all = all && granted
			}
		}
		if seen {
			out[p] = all
		}
	}
	return out
}
