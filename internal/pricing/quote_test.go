package pricing_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/pricing"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

type customers map[string]pricing.Customer

func (c customers) Customer(_ context.Context, userID, _ string) (pricing.Customer, error) {
	return c[userID], nil
}

type recorder struct{ events []audit.Event }

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.events = append(r.events, e)
	return nil
}

var now = time.Date(2026, 6, 18, 14, 30, 0, 0, time.UTC)

func openService(t *testing.T, cs customers) (*pricing.Service, *sqlite.Store, *recorder) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := regime.New(manifest.Default(), 1, nil)
	rec := &recorder{}
	svc, err := pricing.New(pricing.Config{Store: st, Customers: cs, Regime: func() *regime.Regime { return r }, Recorder: rec,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st, rec
}

// A quote lists every factor with its reason; a loyalty reward lowers the loyal customer's
// price and marks it personalised, disclosed to an EU customer (Omnibus Directive); the
// stored quote holds bands, not the person; an opted-out twin pays what their opted-in
// twin pays (RR-06: nothing about rights reaches a price).
func TestQuoteListsEveryFactor(t *testing.T) {
	ctx := context.Background()
	cs := customers{
		"loyal-eu": {SubjectID: "s1", Known: true, Orders: 6, FirstOrder: now.AddDate(-2, 0, 0), Spend: 800, Address: [2]string{"DE", ""}},
		"loyal-cn": {SubjectID: "s2", Known: true, Orders: 6, FirstOrder: now.AddDate(-2, 0, 0), Spend: 800, Address: [2]string{"CN", ""}},
		"new-eu":   {SubjectID: "s3", Known: true, Address: [2]string{"FR", ""}},
	}
	svc, st, rec := openService(t, cs)
	for _, r := range []pricing.Rule{
		{Name: "618-sale", Description: map[string]string{"en": "June 18 sale: 10% off everything", "zh-CN": "618大促：全场九折"}, Percent: -10,
			From: now.Add(-time.Hour), Until: now.Add(time.Hour)},
		{Name: "loyal-1y", Description: map[string]string{"en": "5% off for customers of more than a year", "zh-CN": "老顾客（一年以上）九五折"}, Percent: -5,
			When: []pricing.Condition{{Factor: "customer.tenure_days", Op: ">=", Number: num(365)}}},
		{Name: "old-sale", Description: desc, Percent: -50, Until: now.Add(-time.Hour)},
		{Name: "app-only", Description: desc, Percent: -20, When: []pricing.Condition{{Factor: "channel", Op: "is", Value: "app"}}},
	} {
		if _, err := svc.PutRule(ctx, r, "op_1"); err != nil {
			t.Fatal(err)
		}
	}
	quote := func(user string) pricing.Quote {
		t.Helper()
		q, err := svc.Quote(ctx, pricing.QuoteRequest{UserID: user, Item: "p-1", BasePrice: 10000, Currency: "EUR", Channel: "web",
			Device: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	loyal, fresh := quote("loyal-eu"), quote("new-eu")
	// 10000 → -10% = 9000 → -5% = 8550 (the sale, then the reward, in name order).
	if loyal.Price != 8550 || len(loyal.Applied) != 2 || loyal.Applied[0].Rule != "618-sale" || loyal.Applied[0].Amount != -1000 ||
		loyal.Applied[1].Rule != "loyal-1y" || loyal.Applied[1].Amount != -450 || loyal.Applied[1].Reason != "5% off for customers of more than a year" ||
		len(loyal.Applied[1].Factors) != 1 || loyal.Applied[1].Factors[0] != "customer.tenure_days >= 365" {
		t.Fatalf("loyal quote %+v", loyal)
	}
	if !loyal.Personalised || loyal.Jurisdiction != "EU" || loyal.Disclosure == "" || loyal.Explanation != "/algorithms#pricing" {
		t.Fatalf("loyal EU quote not disclosed: %+v", loyal)
	}
	if fresh.Price != 9000 || fresh.Personalised || fresh.Disclosure != "" || fresh.Price < loyal.Price {
		t.Fatalf("new customer quote %+v", fresh)
	}
	if cn := quote("loyal-cn"); cn.Jurisdiction != "CN" || cn.Disclosure != "" || !cn.Personalised {
		t.Fatalf("CN quote %+v", cn)
	}
	// An unknown visitor is a new customer.
	if anon := quote(""); anon.Price != 9000 || anon.Personalised {
		t.Fatalf("anonymous quote %+v", anon)
	}

	stored, err := st.PriceQuote(ctx, loyal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.TenureBand != "1y_3y" || stored.DeviceClass != "mobile" || stored.SpendBand != "mid" || stored.Price != 8550 ||
		len(stored.Rules) != 2 || !stored.Personalised {
		t.Fatalf("stored quote %+v", stored)
	}
	acts := 0
	for _, e := range rec.events {
		if e.Act == pricing.ActPriceQuote {
			acts++
			if e.SubjectID == "" || e.Purpose != "essential.service" {
				t.Fatalf("quote act %+v", e)
			}
		}
	}
	if acts != 3 { // the three known customers, not the anonymous visitor
		t.Fatalf("%d quote acts", acts)
	}

	// A refused rule is not saved, and its attempt is recorded naming the factor.
	_, err = svc.PutRule(ctx, pricing.Rule{Name: "loyalty-surcharge", Description: desc, Percent: 5,
		When: []pricing.Condition{{Factor: "customer.orders", Op: ">=", Number: num(2)}}}, "op_1")
	var re *pricing.RefusedError
	if !errors.As(err, &re) || re.Factor != "customer.orders" {
		t.Fatalf("loyalty surcharge: %v", err)
	}
	if last := rec.events[len(rec.events)-1]; last.Act != pricing.ActPriceRule || last.Detail["change"] != "refused" || last.Detail["factor"] != "customer.orders" {
		t.Fatalf("refusal not recorded: %+v", last)
	}
	rules, _ := svc.Rules(ctx)
	if len(rules) != 4 {
		t.Fatalf("rules after a refusal: %d", len(rules))
	}
	if err := svc.DeleteRule(ctx, "nope", "op_1"); !errors.Is(err, pricing.ErrNoSuchRule) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete unknown rule: %v", err)
	}
	for _, bad := range []pricing.QuoteRequest{{Item: "", BasePrice: 1, Currency: "CNY"}, {Item: "x", BasePrice: 0, Currency: "CNY"},
		{Item: "x", BasePrice: 1, Currency: "yuan"}, {Item: "x", BasePrice: 1, Currency: "CNY", Channel: "fax"}} {
		if _, err := svc.Quote(ctx, bad); !errors.Is(err, pricing.ErrInvalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// Acceptance (issue 24): the fairness audit flags a planted disparity — the same item in
// the same hour quoted higher to mobile users, and higher to long-standing customers — and
// nothing in an even distribution, nor in a loyalty reward (the loyal paying less).
func TestAuditFlagsPlantedDisparityNotEvenDistribution(t *testing.T) {
	hour := now.Truncate(time.Hour)
	mk := func(i int, item string, price int64, tenure, device, spend string) store.PriceQuote {
		return store.PriceQuote{ID: item + tenure + device + spend + string(rune('a'+i)), At: hour.Add(time.Duration(i) * time.Minute), Item: item,
			Channel: "web", Currency: "CNY", BasePrice: 10000, Price: price, TenureBand: tenure, DeviceClass: device, SpendBand: spend}
	}
	var even []store.PriceQuote
	for i := range 12 {
		even = append(even, mk(i, "p-1", 9000, []string{"new", "under_1y", "1y_3y", "over_3y"}[i%4], []string{"mobile", "desktop", "tablet"}[i%3], []string{"none", "low", "high"}[i%3]))
	}
	rep := pricing.AuditQuotes(even, hour, hour.Add(time.Hour), pricing.AuditOptions{MinQuotes: 3})
	if len(rep.Findings) != 0 || rep.Groups != 1 || rep.Quotes != 12 {
		t.Fatalf("even distribution: %+v", rep)
	}
	// A loyalty reward: the loyal pay less. Not a finding.
	var reward []store.PriceQuote
	for i := range 6 {
		price, tenure := int64(9000), "new"
		if i%2 == 1 {
			price, tenure = 8550, "over_3y"
		}
		reward = append(reward, mk(i, "p-1", price, tenure, "desktop", "low"))
	}
	if rep := pricing.AuditQuotes(reward, hour, hour.Add(time.Hour), pricing.AuditOptions{}); len(rep.Findings) != 0 {
		t.Fatalf("loyalty reward flagged: %+v", rep.Findings)
	}
	// Planted: iPhone users and long-standing customers were sent a higher base price.
	var planted []store.PriceQuote
	for i := range 8 {
		planted = append(planted, mk(i, "p-2", 10000, "new", "desktop", "low"))
		planted = append(planted, mk(i+20, "p-2", 11000, "over_3y", "mobile", "low"))
	}
	rep = pricing.AuditQuotes(append(planted, even...), hour, hour.Add(time.Hour), pricing.AuditOptions{})
	dims := map[string]pricing.Finding{}
	for _, f := range rep.Findings {
		if f.Item != "p-2" {
			t.Fatalf("finding outside the planted item: %+v", f)
		}
		dims[f.Dimension] = f
	}
	if len(dims) != 2 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	if f := dims["device"]; f.Higher.Band != "mobile" || f.Lower.Band != "desktop" || f.Gap < 0.099 || f.Gap > 0.101 || f.Higher.Quotes != 8 {
		t.Fatalf("device finding %+v", f)
	}
	if f := dims["tenure"]; f.Higher.Band != "over_3y" || f.Lower.Band != "new" || f.Rule == "" {
		t.Fatalf("tenure finding %+v", f)
	}
	// Below the threshold or with too few quotes, nothing.
	if rep := pricing.AuditQuotes(planted, hour, hour.Add(time.Hour), pricing.AuditOptions{Threshold: 0.2}); len(rep.Findings) != 0 {
		t.Fatalf("a 10%% gap under a 20%% threshold: %+v", rep.Findings)
	}
	if rep := pricing.AuditQuotes(planted[:4], hour, hour.Add(time.Hour), pricing.AuditOptions{}); len(rep.Findings) != 0 {
		t.Fatalf("two quotes a band: %+v", rep.Findings)
	}
}
