package manifest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// Privacy tiers (issue 25): a shop may offer people a few levels of sharing, each the set of
// optional purposes it grants and the benefits that come with it, ordered from most to least
// sharing. A person's tier is derived from their consent, never stored apart from it. The
// legal frame is tight, and Check holds it:
//   - only optional purposes (consent-based) — never a separate-consent one, which is asked
//     on its own (PIPL Art. 23) — and never an essential one: a tier does not decide service;
//   - each tier shares no more than the one before it (the order is the scale people see);
//   - no tier may remove a baseline service or change prices: declining optional processing
//     never costs service or better terms (PIPL Art. 16, GB/T 35273 §5.3, CCPA §1798.125,
//     RR-06);
//   - a financial incentive (points) states a good-faith value of the data (CCPA §7016).

// Tier is one level of sharing.
type Tier struct {
	Name     string            `json:"name" yaml:"-"`
	Label    map[string]string `json:"label,omitempty" yaml:"label"`
	Purposes []string          `json:"purposes" yaml:"purposes"`
	Benefits []Benefit         `json:"benefits" yaml:"benefits"`
	// Value is the good-faith estimate of what the data shared in this tier is worth to the
	// shop, and how it was estimated (CCPA §7016(b)).
	Value *TierValue `json:"value,omitempty" yaml:"value"`
	// Removes would name services people in this tier lose: always refused.
	Removes []string `json:"removes,omitempty" yaml:"removes"`
}

// Benefit is what a tier gives back.
type Benefit struct {
	// Kind is points (PerMonth of them for each month held), priority_recommendations,
	// ad_free (no advertising at all, as the privacy subscription), or perk (a described
	// extra that changes neither price nor service).
	Kind     string            `json:"kind" yaml:"kind"`
	PerMonth int64             `json:"per_month,omitempty" yaml:"per_month"`
	Label    map[string]string `json:"label,omitempty" yaml:"label"`
}

// TierValue is a good-faith value of the data shared.
type TierValue struct {
	Amount   float64           `json:"amount" yaml:"amount"`
	Currency string            `json:"currency" yaml:"currency"`
	Per      string            `json:"per" yaml:"per"` // month or year
	Method   map[string]string `json:"method" yaml:"method"`
}

// Benefit kinds.
const (
	BenefitPoints   = "points"
	BenefitPriority = "priority_recommendations"
	BenefitAdFree   = "ad_free"
	BenefitPerk     = "perk"
)

var tierName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

var tierKeys = []string{"name", "label", "purposes", "benefits", "value", "removes"}

// PointsPerMonth is what holding the tier for a month earns.
func (t Tier) PointsPerMonth() int64 {
	var n int64
	for _, b := range t.Benefits {
		if b.Kind == BenefitPoints {
			n += b.PerMonth
		}
	}
	return n
}

// Has reports whether the tier carries a benefit of a kind.
func (t Tier) Has(kind string) bool {
	return slices.ContainsFunc(t.Benefits, func(b Benefit) bool { return b.Kind == kind })
}

// CheckTiers holds tiers to the rules above; each problem names the tier and what is wrong.
func (m *Manifest) CheckTiers(tiers []Tier) []string {
	var bad []string
	seen := map[string]bool{}
	for i, t := range tiers {
		say := func(format string, args ...any) { bad = append(bad, "tier "+t.Name+": "+fmt.Sprintf(format, args...)) }
		if !tierName.MatchString(t.Name) {
			say("name must be lower-case letters, digits and _ (at most 32), starting with a letter")
		}
		if seen[t.Name] {
			say("defined twice")
		}
		seen[t.Name] = true
		advertising := false
		for _, pk := range t.Purposes {
			p, ok := m.Taxonomy.Purpose(pk)
			switch {
			case !ok:
				say("unknown purpose %q", pk)
			case !p.NeedsConsent():
				say("%s rests on %s, not on consent: a tier grants only optional purposes and never decides service", pk, p.Basis)
			case p.SeparateConsent:
				say("%s needs a consent of its own, asked separately and naming its recipient (PIPL Art. 23): no tier may bundle it", pk)
			}
			advertising = advertising || taxonomy.Beneath(pk, "marketing.advertising")
		}
		if i > 0 {
			for _, pk := range t.Purposes {
				if !slices.Contains(tiers[i-1].Purposes, pk) {
					say("shares %s, which tier %s above it does not: tiers are ordered from most to least sharing", pk, tiers[i-1].Name)
				}
			}
			if len(t.Purposes) == len(tiers[i-1].Purposes) {
				say("shares as much as tier %s above it: no consent state could put anyone in it", tiers[i-1].Name)
			}
		}
		for _, s := range t.Removes {
			say("removes %q: declining optional processing never costs a service (PIPL Art. 16, GB/T 35273 §5.3)", s)
		}
		points := false
		for _, b := range t.Benefits {
			switch b.Kind {
			case BenefitPoints:
				points = true
				if b.PerMonth <= 0 {
					say("a points benefit earns a positive number per_month")
				}
			case BenefitPriority, BenefitPerk:
			case BenefitAdFree:
				if advertising {
					say("is ad-free yet grants advertising purposes")
				}
			case "discount", "price", "surcharge", "coupon":
				say("benefit %q changes prices: prices are the same in every tier (PIPL Art. 16, CCPA §1798.125, RR-06)", b.Kind)
			default:
				say("unknown benefit %q (points, priority_recommendations, ad_free, perk)", b.Kind)
			}
		}
		if points && (t.Value == nil || t.Value.Amount <= 0 || t.Value.Currency == "" || len(t.Value.Method) == 0) {
			say("a tier that pays in points states a good-faith value of the data and how it was estimated (CCPA §7016)")
		}
	}
	return bad
}

// TierOf is the tier a consent state puts a person in: the most sharing tier all of whose
// purposes they granted. A tier whose benefit is no advertising fits only someone who
// granted no advertising purpose at all (a separate consent included): its promise must be
// true of them. ok is false when no tier fits (someone who granted advertising but not
// what the least sharing advertising-free tier asks) or none is declared: their choices
// are their own mix, and the privacy center says so.
func (m *Manifest) TierOf(granted func(purpose string) bool) (Tier, bool) {
	advertising := false
	for _, p := range m.Taxonomy.Purposes() {
		if taxonomy.Beneath(p.Key, "marketing.advertising") && granted(p.Key) {
			advertising = true
			break
		}
	}
	for _, t := range m.Tiers {
		if t.Has(BenefitAdFree) && advertising {
			continue
		}
		all := true
		for _, p := range t.Purposes {
			all = all && granted(p)
		}
		if all {
			return t, true
		}
	}
	return Tier{}, false
}

// Subscription is the privacy subscription on offer (issue 25): while it runs, no advertising
// purpose applies to the person, whatever their consents. It is bought with points, or paid
// for in the shop (its backend tells Steward).
type Subscription struct {
	Label map[string]string `json:"label,omitempty" yaml:"label"`
	// PointsPerMonth is what a month costs in points (0: not for points).
	PointsPerMonth int64 `json:"points_per_month,omitempty" yaml:"points_per_month"`
	// Price is what a paid month costs (nil: not sold for money).
	Price *Price `json:"price,omitempty" yaml:"price"`
	// MaxMonths bounds one purchase (default 12).
	MaxMonths int `json:"max_months" yaml:"max_months"`
}

// Price is an amount of money per period.
type Price struct {
	Amount   float64 `json:"amount" yaml:"amount"`
	Currency string  `json:"currency" yaml:"currency"`
	Per      string  `json:"per" yaml:"per"`
}

var subscriptionKeys = []string{"label", "points_per_month", "price", "max_months"}

func (p *parser) subscription(m *Manifest, n *yaml.Node) {
	n = deref(n)
	p.mapping(n, "subscription", subscriptionKeys)
	var s Subscription
	if err := n.Decode(&s); err != nil {
		p.errf(n, "subscription: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	if s.MaxMonths == 0 {
		s.MaxMonths = 12
	}
	switch {
	case s.PointsPerMonth < 0:
		p.errf(n, "subscription: points_per_month cannot be negative")
	case s.PointsPerMonth == 0 && s.Price == nil:
		p.errf(n, "subscription: offer it for points_per_month, a price, or both")
	case s.Price != nil && (s.Price.Amount <= 0 || s.Price.Currency == "" || (s.Price.Per != "month" && s.Price.Per != "year")):
		p.errf(n, "subscription: a price has a positive amount, a currency and per: month or year")
	case s.MaxMonths < 1 || s.MaxMonths > 36:
		p.errf(n, "subscription: max_months is between 1 and 36")
	}
	m.Subscription = &s
}

// Tier returns a declared tier by name.
func (m *Manifest) Tier(name string) (Tier, bool) {
	for _, t := range m.Tiers {
		if t.Name == name {
			return t, true
		}
	}
	return Tier{}, false
}

// TierPurposes lists every purpose some tier grants: what choosing a tier may change.
func (m *Manifest) TierPurposes() []string {
	var out []string
	for _, t := range m.Tiers {
		out = append(out, t.Purposes...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *parser) tiers(m *Manifest, n *yaml.Node) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "tiers must be a list, from most to least sharing")
		return
	}
	var at []*yaml.Node
	for _, tn := range n.Content {
		tn = deref(tn)
		var name string
		for _, f := range p.mapping(tn, "tier", tierKeys) {
			if f.k.Value == "name" {
				name, _ = p.str(f.v, "name")
			}
		}
		var t Tier
		if err := tn.Decode(&t); err != nil {
			p.errf(tn, "tier %s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
			continue
		}
		t.Name = name
		m.Tiers = append(m.Tiers, t)
		at = append(at, tn)
	}
	for _, msg := range m.CheckTiers(m.Tiers) {
		line := n
		for i, t := range m.Tiers {
			if strings.HasPrefix(msg, "tier "+t.Name+":") {
				line = at[i]
			}
		}
		p.errf(line, "%s", msg)
	}
}
