package pricing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// AuditOptions tune the fairness audit.
type AuditOptions struct {
	// Threshold is the relative price gap that is a disparity (default 0.01: 1%).
	Threshold float64
	// MinQuotes is how many quotes a band needs in a group to be compared (default 3).
	MinQuotes int
	// Limit bounds the quotes read (default 200,000).
	Limit int
}

// Band is one band of a dimension in one group of quotes.
type Band struct {
	Band      string  `json:"band"`
	Quotes    int     `json:"quotes"`
	MeanPrice float64 `json:"mean_price"`
}

// Finding is a disparity: in one group (the same item, channel and currency in the same
// hour), people of one band paid more on average than people of another who must not
// pay less than them.
type Finding struct {
	Item      string    `json:"item"`
	Channel   string    `json:"channel"`
	Currency  string    `json:"currency"`
	Hour      time.Time `json:"hour"`
	Dimension string    `json:"dimension"`
	Higher    Band      `json:"higher"`
	Lower     Band      `json:"lower"`
	// Gap is how much more the higher band paid, relative to the lower.
	Gap  float64 `json:"gap"`
	Rule string  `json:"rule"`
}

// Report is the audit's answer.
type Report struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Quotes    int       `json:"quotes"`
	Groups    int       `json:"groups"`
	Threshold float64   `json:"threshold"`
	MinQuotes int       `json:"min_quotes"`
	Findings  []Finding `json:"findings"`
}

// Dimensions the audit compares, and what each forbids.
const (
	DimTenure = "tenure"
	DimDevice = "device"
	DimSpend  = "spend"
)

// Audit compares the quotes issued in [from, to) (AD-01's price-dispersion audit): within
// each group of the same item, channel and currency in the same hour, it compares the
// mean price of each band of customer tenure, device class and spend. It flags
//   - a longer-standing customer band paying more than a newer one (大数据杀熟);
//   - a higher-spending band paying more than a lower-spending one (pricing by ability or
//     willingness to pay);
//   - any device class paying more than another (the device may not set a price).
//
// A loyalty reward — the loyal paying less — is not a finding. Bands with fewer than
// MinQuotes quotes in a group are not compared; neither is the unknown device class.
// Disparities come from rules only if the checks failed; the audit exists because the
// base price is the caller's: a shop that sends a higher base price to iPhone users is
// caught here.
func (s *Service) Audit(ctx context.Context, from, to time.Time, o AuditOptions) (Report, error) {
	if o.Threshold <= 0 {
		o.Threshold = 0.01
	}
	if o.MinQuotes <= 0 {
		o.MinQuotes = 3
	}
	if o.Limit <= 0 {
		o.Limit = 200_000
	}
	if !to.After(from) {
		return Report{}, fmt.Errorf("%w: audit: to must fall after from", ErrInvalid)
	}
	qs, err := s.cfg.Store.PriceQuotes(ctx, from, to, o.Limit)
	if err != nil {
		return Report{}, err
	}
	return AuditQuotes(qs, from, to, o), nil
}

type groupKey struct {
	item, channel, currency string
	hour                    time.Time
}

// AuditQuotes is the audit over quotes already read.
func AuditQuotes(qs []store.PriceQuote, from, to time.Time, o AuditOptions) Report {
	if o.Threshold <= 0 {
		o.Threshold = 0.01
	}
	if o.MinQuotes <= 0 {
		o.MinQuotes = 3
	}
	rep := Report{From: from, To: to, Quotes: len(qs), Threshold: o.Threshold, MinQuotes: o.MinQuotes, Findings: []Finding{}}
	groups := map[groupKey][]store.PriceQuote{}
	for _, q := range qs {
		k := groupKey{q.Item, q.Channel, q.Currency, q.At.UTC().Truncate(time.Hour)}
		groups[k] = append(groups[k], q)
	}
	rep.Groups = len(groups)
	keys := make([]groupKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupKey) int {
		return cmp.Or(a.hour.Compare(b.hour), cmp.Compare(a.item, b.item), cmp.Compare(a.channel, b.channel), cmp.Compare(a.currency, b.currency))
	})
	for _, k := range keys {
		g := groups[k]
		find := func(dim string, band func(store.PriceQuote) string, order []string, rule string) {
			bands := bandsOf(g, band, o.MinQuotes)
			for i, hi := range bands {
				for j, lo := range bands {
					if i == j || hi.MeanPrice <= lo.MeanPrice*(1+o.Threshold) {
						continue
					}
					// Ordered dimensions: only the more loyal (or higher-spending) paying
					// more is unfair. Unordered: any difference is.
					if order != nil && slices.Index(order, hi.Band) <= slices.Index(order, lo.Band) {
						continue
					}
					rep.Findings = append(rep.Findings, Finding{Item: k.item, Channel: k.channel, Currency: k.currency, Hour: k.hour,
						Dimension: dim, Higher: hi, Lower: lo, Gap: hi.MeanPrice/lo.MeanPrice - 1, Rule: rule})
				}
			}
		}
		find(DimTenure, func(q store.PriceQuote) string { return q.TenureBand }, tenureOrder,
			"existing or loyal customers may not pay more than new ones for the same item at the same time")
		find(DimSpend, func(q store.PriceQuote) string { return q.SpendBand }, spendOrder,
			"what a customer spends may not raise the price they are offered")
		find(DimDevice, func(q store.PriceQuote) string {
			if q.DeviceClass == "unknown" {
				return ""
			}
			return q.DeviceClass
		}, nil, "the device may not set a price")
	}
	return rep
}

// bandsOf groups quotes by band (skipping ""), keeping bands with at least min quotes.
func bandsOf(g []store.PriceQuote, band func(store.PriceQuote) string, min int) []Band {
	sums, counts := map[string]float64{}, map[string]int{}
	for _, q := range g {
		b := band(q)
		if b == "" {
			continue
		}
		sums[b] += float64(q.Price)
		counts[b]++
	}
	var out []Band
	for b, n := range counts {
		if n >= min {
			out = append(out, Band{Band: b, Quotes: n, MeanPrice: sums[b] / float64(n)})
		}
	}
	slices.SortFunc(out, func(a, b Band) int { return cmp.Compare(a.Band, b.Band) })
	return out
}
