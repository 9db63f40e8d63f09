package pricing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/pricing"
)

func num(v float64) *float64 { return &v }

var desc = map[string]string{"en": "public text", "zh-CN": "公开说明"}

func rule(name string, percent float64, when ...pricing.Condition) pricing.Rule {
	return pricing.Rule{Name: name, Description: desc, Percent: percent, When: when}
}

// Price rules are checked when saved (issue 24 item 3; AD-01, RR-06): loyalty may only
// lower the price of the more loyal; device, profile tags, spending, sensitive or other
// personal data and exercised rights are refused outright; every refusal names the factor.
func TestRulesAreCheckedWhenSaved(t *testing.T) {
	tax := manifest.Default().Taxonomy
	ok := []pricing.Rule{
		rule("summer", -10),
		rule("app-only", -5, pricing.Condition{Factor: "channel", Op: "is", Value: "app"}),
		rule("bulk", -8, pricing.Condition{Factor: "quantity", Op: ">=", Number: num(10)}),
		rule("loyal-1y", -5, pricing.Condition{Factor: "customer.tenure_days", Op: ">=", Number: num(365)}),
		rule("third-order", -3, pricing.Condition{Factor: "customer.orders", Op: ">", Number: num(2)}),
		rule("promo", -15, pricing.Condition{Factor: "promo_code", Op: "in", Values: []string{"SPRING", "618"}}),
		rule("everyone", 2, pricing.Condition{Factor: "customer.orders", Op: ">=", Number: num(0)}),
	}
	for _, r := range ok {
		if err := pricing.Check(r, tax); err != nil {
			t.Errorf("%s refused: %v", r.Name, err)
		}
	}
	refused := []struct {
		r      pricing.Rule
		factor string
		reason string
	}{
		{rule("loyalty-surcharge", 5, pricing.Condition{Factor: "customer.orders", Op: ">=", Number: num(2)}), "customer.orders", "pay more than new customers"},
		{rule("tenure-surcharge", 3, pricing.Condition{Factor: "customer.tenure_days", Op: ">", Number: num(730)}), "customer.tenure_days", "大数据杀熟"},
		{rule("welcome", -10, pricing.Condition{Factor: "customer.orders", Op: "<", Number: num(1)}), "customer.orders", "pay more than new customers"},
		{rule("exactly-new", -10, pricing.Condition{Factor: "customer.orders", Op: "==", Number: num(0)}), "customer.orders", "never == or !="},
		{rule("repeat", 5, pricing.Condition{Factor: "repeat_buyer", Op: "is", Value: "true"}), "repeat_buyer", "loyalty is named"},
		{rule("iphone", 8, pricing.Condition{Factor: "device", Op: "is", Value: "iPhone"}), "device", "device"},
		{rule("ua", 8, pricing.Condition{Factor: "context.userAgent", Op: "is", Value: "Mac"}), "context.userAgent", "device"},
		{rule("sensitive-tag", 4, pricing.Condition{Factor: "tag.price_insensitive", Op: "is", Value: "true"}), "tag.price_insensitive", "profile tags"},
		{rule("big-spender", 4, pricing.Condition{Factor: "customer.spend_90d", Op: ">=", Number: num(1000)}), "customer.spend_90d", "willingness to pay"},
		{rule("health", 4, pricing.Condition{Factor: "user.health_and_medical", Op: "is", Value: "diabetes"}), "user.health_and_medical", "sensitive personal information"},
		{rule("city", 4, pricing.Condition{Factor: "user.contact.address.city", Op: "is", Value: "上海"}), "user.contact.address.city", "personal data may not set a price"},
		{rule("opted-out", 4, pricing.Condition{Factor: "personalisation_off", Op: "is", Value: "true"}), "personalisation_off", "RR-06"},
		{rule("gpc", 4, pricing.Condition{Factor: "signal.gpc", Op: "is", Value: "true"}), "signal.gpc", "RR-06"},
	}
	for _, c := range refused {
		err := pricing.Check(c.r, tax)
		var re *pricing.RefusedError
		if !errors.As(err, &re) || !errors.Is(err, pricing.ErrUnfair) {
			t.Errorf("%s: err = %v, want a refusal", c.r.Name, err)
			continue
		}
		if re.Factor != c.factor || !strings.Contains(err.Error(), "factor "+c.factor) || !strings.Contains(re.Reason, c.reason) {
			t.Errorf("%s: %v (want factor %s, reason with %q)", c.r.Name, err, c.factor, c.reason)
		}
	}
	invalid := []pricing.Rule{
		{Name: "Bad Name", Description: desc, Percent: 1},
		{Name: "nodesc", Description: map[string]string{"en": "x"}, Percent: 1},
		rule("zero", 0),
		rule("huge", 500),
		rule("weather", 3, pricing.Condition{Factor: "weather", Op: "is", Value: "rain"}),
		rule("channel", 3, pricing.Condition{Factor: "channel", Op: "is", Value: "fax"}),
		rule("op", 3, pricing.Condition{Factor: "quantity", Op: "~", Number: num(1)}),
		rule("neg", -3, pricing.Condition{Factor: "customer.orders", Op: ">=", Number: num(-1)}),
	}
	for _, r := range invalid {
		if err := pricing.Check(r, tax); !errors.Is(err, pricing.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", r.Name, err)
		}
	}
}
