package regime

import "github.com/stewardhq/steward/internal/manifest"

// The notice of financial incentive (CCPA §7016(b); issue 25): when the manifest offers
// privacy tiers, the full notice says what each tier asks and gives, what the data is worth
// to the shop in good faith and how that was estimated, how to join, and how to leave.

// NoticeIncentives is the notice of financial incentive.
type NoticeIncentives struct {
	Summary      string              `json:"summary"`
	Tiers        []NoticeTier        `json:"tiers"`
	Subscription *NoticeSubscription `json:"subscription,omitempty"`
	// Terms are the material terms, how to opt in and how to withdraw, one per line.
	Terms []string `json:"terms"`
}

// NoticeTier is one tier as the notice describes it.
type NoticeTier struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Purposes []string `json:"purposes"` // names in the notice's language
	Benefits []string `json:"benefits"`
	// PointsPerMonth is what a full month in the tier earns.
	PointsPerMonth int64 `json:"points_per_month"`
	// Value is the good-faith estimate of the data's value and its method; nil for a tier
	// that pays nothing.
	Value *NoticeValue `json:"value,omitempty"`
}

// NoticeValue is a tier's value estimate.
type NoticeValue struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
	Per      string  `json:"per"`
	Method   string  `json:"method"`
}

// NoticeSubscription is the privacy subscription on offer.
type NoticeSubscription struct {
	Label          string          `json:"label"`
	PointsPerMonth int64           `json:"points_per_month,omitempty"`
	Price          *manifest.Price `json:"price,omitempty"`
	MaxMonths      int             `json:"max_months"`
}

var incentiveText = map[string]struct {
	summary string
	terms   []string
	sub     string
}{
	"en": {
		summary: "You may choose how much you share with us. Each level is a set of optional purposes you consent to; in return it may earn privacy points or give a perk. Nothing else changes: prices, service and how we handle your rights are the same at every level.",
		terms: []string{
			"You join a level by choosing it in the privacy center; that records exactly the consents the level asks for, and nothing else.",
			"You can leave at any time in the same place, as easily as you joined: choosing a lower level withdraws those consents at once.",
			"Points are paid for each calendar month you held a level the whole month (the lowest level you held that month counts). Points already earned are never taken back when you withdraw.",
			"Consents given separately (sharing with named companies, transfer abroad) are never part of a level.",
			"The value shown for each level is our good-faith estimate of what the data shared at that level is worth to us, and how we estimated it.",
		},
		sub: "No advertising at all while it runs, whatever you consented to.",
	},
	"zh-CN": {
		summary: "您可以选择与我们分享多少数据。每个等级是您同意的一组可选用途；作为回报，它可能为您赚取隐私积分或提供一项福利。其他一切都不变：在每个等级，价格、服务以及我们处理您权利的方式都完全相同。",
		terms: []string{
			"在隐私中心选择一个等级即可加入；这只会记录该等级所需的同意，不会改动其他任何内容。",
			"您可以随时在同一位置退出，与加入一样简单：选择较低的等级会立即撤回相应的同意。",
			"积分按自然月发放：整月保持某一等级即可获得（以当月所处的最低等级计）。已获得的积分不会因您撤回同意而被收回。",
			"单独同意（向具名公司提供、向境外提供）永远不属于任何等级。",
			"每个等级所示的价值，是我们对该等级所分享数据对我们价值的善意估计及其估算方法。",
		},
		sub: "订阅期间完全不展示广告，无论您同意了什么。",
	},
}

// incentives builds the notice of financial incentive in lang; nil without tiers.
func (r *Regime) incentives(lang string) *NoticeIncentives {
	m := r.m
	if len(m.Tiers) == 0 {
		return nil
	}
	txt := incentiveText["en"]
	if lang == "zh-CN" {
		txt = incentiveText["zh-CN"]
	}
	out := &NoticeIncentives{Summary: txt.summary, Terms: append([]string(nil), txt.terms...), Tiers: []NoticeTier{}}
	for _, t := range m.Tiers {
		nt := NoticeTier{Name: t.Name, Label: label(t.Label, lang, t.Name), Purposes: []string{}, Benefits: []string{}, PointsPerMonth: t.PointsPerMonth()}
		for _, p := range t.Purposes {
			nt.Purposes = append(nt.Purposes, r.PurposeName(p, lang))
		}
		for _, b := range t.Benefits {
			nt.Benefits = append(nt.Benefits, label(b.Label, lang, b.Kind))
		}
		if t.Value != nil {
			nt.Value = &NoticeValue{Amount: t.Value.Amount, Currency: t.Value.Currency, Per: t.Value.Per, Method: label(t.Value.Method, lang, "")}
		}
		out.Tiers = append(out.Tiers, nt)
	}
	if s := m.Subscription; s != nil {
		out.Subscription = &NoticeSubscription{Label: label(s.Label, lang, "privacy subscription"), PointsPerMonth: s.PointsPerMonth, Price: s.Price, MaxMonths: s.MaxMonths}
		out.Terms = append(out.Terms, out.Subscription.Label+": "+txt.sub)
	}
	return out
}

// label picks a manifest label in lang, then English, then the fallback.
func label(labels map[string]string, lang, fallback string) string {
	if v := labels[lang]; v != "" {
		return v
	}
	if v := labels["en"]; v != "" {
		return v
	}
	return fallback
}
