package pricing

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
)

// FuzzRuleFairness: whatever rules arrive (as JSON, from the API), Check never panics,
// and the rules it lets through never make a customer pay more than a less loyal one for
// the same item at the same time — the property the check exists for (AD-01, 大数据杀熟).
func FuzzRuleFairness(f *testing.F) {
	for _, seed := range []string{
		`[{"name":"summer","description":{"en":"a","zh-CN":"b"},"percent":-10}]`,
		`[{"name":"loyal","description":{"en":"a","zh-CN":"b"},"percent":-5,"when":[{"factor":"customer.tenure_days","op":">=","number":365}]}]`,
		`[{"name":"sur","description":{"en":"a","zh-CN":"b"},"percent":5,"when":[{"factor":"customer.orders","op":">=","number":2}]}]`,
		`[{"name":"new","description":{"en":"a","zh-CN":"b"},"percent":-10,"when":[{"factor":"customer.orders","op":"<","number":1}]}]`,
		`[{"name":"a","description":{"en":"a","zh-CN":"b"},"percent":3,"when":[{"factor":"customer.orders","op":"<=","number":1}]},{"name":"b","description":{"en":"a","zh-CN":"b"},"percent":-7,"when":[{"factor":"customer.tenure_days","op":">","number":30},{"factor":"channel","op":"is","value":"app"}]}]`,
		`[{"name":"d","description":{"en":"a","zh-CN":"b"},"percent":8,"when":[{"factor":"device","op":"is","value":"iPhone"}]}]`,
		`[{"name":"e","description":{"en":"a","zh-CN":"b"},"percent":-90,"when":[{"factor":"customer.orders","op":"==","number":0}]}]`,
	} {
		f.Add([]byte(seed), uint16(400), uint16(5), uint16(10), uint16(1), int64(9999))
	}
	tax := manifest.Default().Taxonomy
	now := time.Date(2026, 6, 18, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, t1, o1, t2, o2 uint16, base int64) {
		var rules []Rule
		if json.Unmarshal(data, &rules) != nil || len(rules) > 20 {
			return
		}
		var ok []Rule
		for _, r := range rules {
			if Check(r, tax) == nil {
				ok = append(ok, r)
			}
		}
		if base <= 0 || base > 1e12 {
			base = 10000
		}
		strs := map[string]string{FactorChannel: "app", FactorItemCategory: "baby", FactorPromoCode: "618"}
		loyal := map[string]float64{FactorTenureDays: float64(max(t1, t2)), FactorOrders: float64(max(o1, o2)), FactorQuantity: 1}
		newer := map[string]float64{FactorTenureDays: float64(min(t1, t2)), FactorOrders: float64(min(o1, o2)), FactorQuantity: 1}
		pl, _, _ := apply(ok, base, now, "p-1", loyal, strs, "en")
		pn, _, _ := apply(ok, base, now, "p-1", newer, strs, "en")
		if pl > pn {
			t.Fatalf("rules %s passed the check, yet the more loyal customer %v pays %d and the newer %v pays %d", data, loyal, pl, newer, pn)
		}
		if pl < 0 || pn < 0 {
			t.Fatalf("negative price %d %d", pl, pn)
		}
	})
}
