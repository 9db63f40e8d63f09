package pricing

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// Factors a price rule may condition on. The list is closed (AD-01: the price takes a
// whitelist — item, time, channel, quantity, published promotions — and, for loyalty
// rewards only, how long and how often a person has bought here).
const (
	// FactorChannel: the sales channel (web, app, mini_program, store).
	FactorChannel = "channel"
	// FactorItemCategory: the item's product category.
	FactorItemCategory = "item.category"
	// FactorQuantity: how many units the quote is for.
	FactorQuantity = "quantity"
	// FactorPromoCode: a published promotion code the person entered.
	FactorPromoCode = "promo_code"
	// FactorTenureDays: days since the person's first order (0 for a new customer).
	FactorTenureDays = "customer.tenure_days"
	// FactorOrders: how many orders the person completed.
	FactorOrders = "customer.orders"
)

// factors are the allowed factors: string-valued or numeric, and whether they say how
// loyal the customer is (then only a reward for loyalty is allowed).
var factors = map[string]struct{ numeric, loyalty bool }{
	FactorChannel: {}, FactorItemCategory: {}, FactorPromoCode: {},
	FactorQuantity:   {numeric: true},
	FactorTenureDays: {numeric: true, loyalty: true}, FactorOrders: {numeric: true, loyalty: true},
}

// Channels a quote may name.
var Channels = []string{"web", "app", "mini_program", "store"}

// Condition is one test a rule makes. String factors take "is" with Value or "in" with
// Values; numeric ones take ">=", ">", "<=", "<" with Number (loyalty factors refuse "==":
// a reward for exactly n orders charges the customer with n+1 more).
type Condition struct {
	Factor string   `json:"factor"`
	Op     string   `json:"op"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
	Number *float64 `json:"number,omitempty"`
}

// Rule is a declared price rule: when it applies (items, a time window, conditions) and
// by how much it changes the price. Its description is public: who gets it and why (AD-02:
// a targeted offer needs published eligibility).
type Rule struct {
	Name string `json:"name"`
	// Description is the public text of the rule, in English and Simplified Chinese.
	Description map[string]string `json:"description"`
	// Items limits the rule to these item ids (empty: every item).
	Items []string    `json:"items,omitempty"`
	When  []Condition `json:"when,omitempty"`
	// Percent is the change: -10 is 10% off, 5 a 5% surcharge.
	Percent float64 `json:"percent"`
	// From and Until bound when the rule is in force (a sale); zero: always.
	From  time.Time `json:"from,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Errors of pricing.
var (
	// ErrInvalid: a rule or a quote request is malformed.
	ErrInvalid = errors.New("pricing: invalid")
	// ErrUnfair: a rule would treat people unfairly (RefusedError says which factor).
	ErrUnfair = errors.New("pricing: rule refused")
	// ErrNoSuchRule: no rule with this name.
	ErrNoSuchRule = errors.New("pricing: no such rule")
)

// RefusedError is a rule refused for a factor it uses, with the reason.
type RefusedError struct {
	Rule, Factor, Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("check price rule %q: factor %s refused: %s", e.Rule, e.Factor, e.Reason)
}

// Unwrap makes a RefusedError an ErrUnfair.
func (e *RefusedError) Unwrap() error { return ErrUnfair }

// Reasons a factor is refused, stable strings.
const (
	reasonLoyaltySurcharge = "it would make existing or loyal customers pay more than new customers for the same item at the same time (大数据杀熟; PIPL Art. 24, Internet Platform Pricing Behaviour Rules): a loyalty factor may only lower the price of the more loyal"
	reasonLoyaltyExact     = "a loyalty factor compares with >=, >, <= or <, never == or !=: a reward for exactly n orders charges the customer with more orders more"
	reasonLoyaltyName      = "loyalty is named customer.tenure_days or customer.orders, and may only lower the price of the more loyal: existing or loyal customers never pay more than new ones for the same item at the same time (大数据杀熟; PIPL Art. 24)"
	reasonDevice           = "the device, browser or operating system may not set a price (a customer on an expensive phone pays what everyone pays; AD-01)"
	reasonTag              = "profile tags (price sensitivity, spending, likelihood to buy) may not set a price: prices follow no profile (AD-01, 大数据杀熟)"
	reasonWillingness      = "a person's spending, income or willingness to pay may not set a price (AD-01, 大数据杀熟)"
	reasonRights           = "exercising a privacy right (opting out, objecting, withdrawing consent, asking for access or erasure) may not change a price (RR-06; CCPA §1798.125, PIPL Art. 16)"
	reasonSensitive        = "sensitive personal information (PIPL Art. 28) may never set a price"
	reasonPersonal         = "personal data may not set a price; allowed factors are " + allowedList
	allowedList            = "channel, item.category, quantity, promo_code, and for loyalty rewards customer.tenure_days and customer.orders"
)

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// Check reports the first reason a rule may not be saved: a malformed rule (ErrInvalid)
// or an unfair one (a RefusedError naming the factor). tax tells sensitive categories
// apart when a rule names a data category.
func Check(r Rule, tax *taxonomy.Taxonomy) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: price rule %q: %s", ErrInvalid, r.Name, fmt.Sprintf(format, a...))
	}
	if !namePattern.MatchString(r.Name) {
		return fmt.Errorf("%w: price rule name %q must be 1-64 of a-z 0-9 _ . - starting with a letter or digit", ErrInvalid, r.Name)
	}
	for _, l := range []string{"en", "zh-CN"} {
		if d := strings.TrimSpace(r.Description[l]); d == "" || len(d) > 2000 {
			return bad("description.%s is the rule's public text (who gets it and why), at most 2000 bytes (AD-02)", l)
		}
	}
	for l := range r.Description {
		if l != "en" && l != "zh-CN" {
			return bad("description has en and zh-CN, not %q", l)
		}
	}
	if math.IsNaN(r.Percent) || r.Percent == 0 || r.Percent < -90 || r.Percent > 100 {
		return bad("percent is a change between -90 and 100, not 0")
	}
	if !r.From.IsZero() && !r.Until.IsZero() && !r.Until.After(r.From) {
		return bad("until must fall after from")
	}
	if len(r.Items) > 1000 || len(r.When) > 20 {
		return bad("at most 1000 items and 20 conditions")
	}
	for _, it := range r.Items {
		if it == "" || len(it) > 200 {
			return bad("items are ids of 1 to 200 bytes")
		}
	}
	for _, c := range r.When {
		if err := checkCondition(r, c, tax); err != nil {
			return err
		}
	}
	return nil
}

func checkCondition(r Rule, c Condition, tax *taxonomy.Taxonomy) error {
	f := strings.ToLower(strings.TrimSpace(c.Factor))
	refuse := func(reason string) error { return &RefusedError{Rule: r.Name, Factor: c.Factor, Reason: reason} }
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: price rule %q: factor %s: %s", ErrInvalid, r.Name, c.Factor, fmt.Sprintf(format, a...))
	}
	spec, ok := factors[f]
	if !ok || f != c.Factor {
		if reason := forbidden(f, tax); reason != "" {
			return refuse(reason)
		}
		return bad("unknown factor (allowed: %s)", allowedList)
	}
	if !spec.numeric {
		switch c.Op {
		case "is":
			if c.Value == "" || len(c.Values) > 0 || c.Number != nil {
				return bad(`"is" takes a value`)
			}
		case "in":
			if len(c.Values) == 0 || c.Value != "" || c.Number != nil || len(c.Values) > 100 {
				return bad(`"in" takes 1 to 100 values`)
			}
		default:
			return bad(`op is "is" or "in"`)
		}
		if f == FactorChannel {
			for _, v := range append([]string{c.Value}, c.Values...) {
				if v != "" && !slices.Contains(Channels, v) {
					return bad("channel %q is not one of %v", v, Channels)
				}
			}
		}
		return nil
	}
	if c.Number == nil || c.Value != "" || len(c.Values) > 0 || math.IsNaN(*c.Number) || math.IsInf(*c.Number, 0) || *c.Number < 0 {
		return bad("a numeric factor takes a non-negative number")
	}
	switch c.Op {
	case ">=", ">", "<=", "<":
	case "==", "!=":
		if spec.loyalty {
			return refuse(reasonLoyaltyExact)
		}
	default:
		return bad(`op is one of >=, >, <=, <, ==, !=`)
	}
	if spec.loyalty && raisesLoyal(c.Op, *c.Number, r.Percent) {
		return refuse(reasonLoyaltySurcharge)
	}
	return nil
}

// raisesLoyal reports whether a loyalty condition with this change makes a more loyal
// customer pay more than a less loyal one. The condition selects either the more loyal
// (>=, > : everyone from some loyalty up) or the less loyal (<=, < : everyone up to some
// loyalty); a surcharge on the first or a discount on the second is unfair, unless the
// condition holds for everyone (>= 0) or for no one (< 0 is refused as negative).
func raisesLoyal(op string, n float64, percent float64) bool {
	selectsLoyal := op == ">=" || op == ">"
	if op == ">=" && n == 0 {
		return false // everyone
	}
	if selectsLoyal {
		return percent > 0
	}
	return percent < 0
}

// forbidden names the reason a factor outside the whitelist is refused outright, or ""
// when it is simply unknown.
func forbidden(f string, tax *taxonomy.Taxonomy) string {
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(f, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("consent", "opt_out", "optout", "opted", "gpc", "personalisation", "personalization", "objection", "objected",
		"do_not_sell", "erasure", "deletion", "rights", "signal.", "restrict", "withdraw"):
		return reasonRights
	case has("device", "user_agent", "useragent", "browser", "os.", "platform", "screen", "iphone", "android", "ios") || f == "os":
		return reasonDevice
	case strings.HasPrefix(f, "tag") || strings.HasPrefix(f, "segment") || has("price_sensitiv", "sensitivity", "likely", "propensity", "score"):
		return reasonTag
	case has("spend", "income", "wealth", "willingness", "ability_to_pay", "revenue", "ltv", "lifetime_value", "salary"):
		return reasonWillingness
	case has("tenure", "loyal", "repeat", "returning", "existing", "new_customer", "first_order", "member", "orders"):
		return reasonLoyaltyName
	}
	key := strings.TrimPrefix(f, "data:")
	if tax != nil {
		for k := key; k != ""; k = taxonomy.Parent(k) {
			if c, ok := tax.Category(k); ok {
				if c.Grade == taxonomy.Sensitive {
					return reasonSensitive
				}
				if c.Grade.Personal() {
					return reasonPersonal
				}
				break
			}
		}
	}
	if strings.HasPrefix(key, "user.") || strings.HasPrefix(key, "customer.") || strings.HasPrefix(key, "trait") {
		return reasonPersonal
	}
	return ""
}
