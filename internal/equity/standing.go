package equity

import (
	"context"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
)

// TierView is a tier as the privacy center shows it.
type TierView struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	// Purposes are the optional purposes the tier grants (keys), most sharing first;
	// PurposeNames the same in the reader's language.
	Purposes     []string      `json:"purposes"`
	PurposeNames []string      `json:"purpose_names"`
	Benefits     []BenefitView `json:"benefits"`
	// PointsPerMonth is what a full month in the tier earns.
	PointsPerMonth int64 `json:"points_per_month"`
	// Value is the good-faith value of the data shared in this tier (CCPA §7016).
	Value   *ValueView `json:"value,omitempty"`
	Current bool       `json:"current"`
}

// BenefitView is a benefit in the reader's language.
type BenefitView struct {
	Kind     string `json:"kind"`
	Label    string `json:"label"`
	PerMonth int64  `json:"per_month,omitempty"`
}

// ValueView is a tier's value estimate in the reader's language.
type ValueView struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
	Per      string  `json:"per"`
	Method   string  `json:"method"`
}

// Offer is the privacy subscription on offer.
type Offer struct {
	Label          string          `json:"label"`
	PointsPerMonth int64           `json:"points_per_month,omitempty"`
	Price          *manifest.Price `json:"price,omitempty"`
	MaxMonths      int             `json:"max_months"`
}

// Standing is where a person stands in the exchange: GET /api/v1/me/tier.
type Standing struct {
	// Tier is the tier their consents put them in; "" when their choices are a mix no
	// tier describes (OwnMix).
	Tier   string     `json:"tier"`
	OwnMix bool       `json:"own_mix"`
	Tiers  []TierView `json:"tiers"`
	// Balance is their points balance.
	Balance int64 `json:"balance"`
	// Subscription is the running privacy subscription, nil when none.
	Subscription *SubscriptionView `json:"subscription"`
	Offer        *Offer            `json:"offer,omitempty"`
}

// Standing derives the person's tier from their consent state in force and lists the
// tiers, their balance (after accruing completed months) and any running subscription.
func (s *Service) Standing(ctx context.Context, subjectID, lang string) (Standing, error) {
	r := s.cfg.Regime()
	m := r.Manifest()
	if len(m.Tiers) == 0 {
		return Standing{}, ErrNoTiers
	}
	pts, err := s.Points(ctx, subjectID, lang)
	if err != nil {
		return Standing{}, err
	}
	st, err := s.cfg.Ledger.Current(ctx, subjectID)
	if err != nil {
		return Standing{}, err
	}
	cur, ok := tierOf(m, st)
	out := Standing{Tier: cur.Name, OwnMix: !ok, Balance: pts.Balance, Tiers: Views(r, lang)}
	for i := range out.Tiers {
		out.Tiers[i].Current = ok && out.Tiers[i].Name == cur.Name
	}
	subs, err := s.cfg.Store.Subscriptions(ctx, subjectID)
	if err != nil {
		return Standing{}, err
	}
	now := s.cfg.Now()
	if sub, ok := active(subs, now); ok {
		v := viewOf(sub, now)
		out.Subscription = &v
		// A subscription whose signal a crash kept from the ledger gets it now.
		if err := s.ensureSignal(ctx, subjectID, "steward", map[string]any{"subscription": sub.ID, "source": sub.Source, "ends_at": sub.EndsAt}); err != nil {
			return Standing{}, err
		}
	}
	if o := m.Subscription; o != nil {
		out.Offer = &Offer{Label: pick(o.Label, lang, "privacy subscription"), PointsPerMonth: o.PointsPerMonth, Price: o.Price, MaxMonths: o.MaxMonths}
	}
	return out, nil
}

// Views renders the manifest's tiers in lang, most sharing first (also the notice's).
func Views(r *regime.Regime, lang string) []TierView {
	m := r.Manifest()
	out := make([]TierView, 0, len(m.Tiers))
	for _, t := range m.Tiers {
		v := TierView{Name: t.Name, Label: pick(t.Label, lang, t.Name), Purposes: append([]string{}, t.Purposes...),
			PurposeNames: []string{}, Benefits: []BenefitView{}, PointsPerMonth: t.PointsPerMonth()}
		for _, p := range t.Purposes {
			v.PurposeNames = append(v.PurposeNames, r.PurposeName(p, lang))
		}
		for _, b := range t.Benefits {
			v.Benefits = append(v.Benefits, BenefitView{Kind: b.Kind, Label: pick(b.Label, lang, b.Kind), PerMonth: b.PerMonth})
		}
		if t.Value != nil {
			v.Value = &ValueView{Amount: t.Value.Amount, Currency: t.Value.Currency, Per: t.Value.Per, Method: pick(t.Value.Method, lang, "")}
		}
		out = append(out, v)
	}
	return out
}
