package pricing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// Store is what pricing keeps: its rules (as definitions of kind DefinitionPriceRule) and
// the quotes it issued.
type Store interface {
	store.PriceQuotes
	PutDefinition(ctx context.Context, d store.Definition) error
	DeleteDefinition(ctx context.Context, kind, name string) error
	Definitions(ctx context.Context, kind string) ([]store.Definition, error)
}

// DefinitionPriceRule is the definitions kind price rules are stored under.
const DefinitionPriceRule = "price_rule"

// Recorder records pricing's processing acts.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Acts pricing records.
const (
	// ActPriceQuote: a person's orders were read to quote them a price.
	ActPriceQuote audit.Act = "price_quote"
	// ActPriceRule: an operator saved or removed a price rule, or one was refused.
	ActPriceRule audit.Act = "price_rule"
)

// Config is what a Service needs. Store, Customers and Regime are required.
type Config struct {
	Store     Store
	Customers Customers
	// Regime is the manifest in force: its taxonomy (sensitive categories), the
	// deployment's home and jurisdictions.
	Regime   func() *regime.Regime
	Recorder Recorder
	Now      func() time.Time
	// SpendBands are the limits of the audit's low and mid spend bands (default 500, 5000).
	SpendBands [2]float64
}

// Service checks and keeps price rules, quotes prices and audits the quotes.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Customers == nil || cfg.Regime == nil {
		return nil, fmt.Errorf("new pricing: Store, Customers and Regime are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SpendBands == [2]float64{} {
		cfg.SpendBands = [2]float64{500, 5000}
	}
	return &Service{cfg: cfg}, nil
}

func (s *Service) record(ctx context.Context, e audit.Event) error {
	if s.cfg.Recorder == nil {
		return nil
	}
	return s.cfg.Recorder.Record(ctx, e)
}

// PutRule checks a rule and saves it (replacing one of the same name). A refused rule is
// recorded too, with the factor: the attempt to price unfairly is itself worth knowing.
func (s *Service) PutRule(ctx context.Context, r Rule, actor string) (Rule, error) {
	if err := Check(r, s.cfg.Regime().Manifest().Taxonomy); err != nil {
		if re, ok := err.(*RefusedError); ok {
			if rerr := s.record(ctx, audit.Event{Act: ActPriceRule, Actor: actor, LegalBasis: "legal_obligation",
				Detail: map[string]string{"rule": r.Name, "change": "refused", "factor": re.Factor}}); rerr != nil {
				return Rule{}, rerr
			}
		}
		return Rule{}, err
	}
	spec, err := json.Marshal(r)
	if err != nil {
		return Rule{}, fmt.Errorf("put price rule: %w", err)
	}
	if err := s.cfg.Store.PutDefinition(ctx, store.Definition{Kind: DefinitionPriceRule, Name: r.Name, Spec: spec, Actor: actor,
		UpdatedAt: s.cfg.Now().UTC()}); err != nil {
		return Rule{}, err
	}
	return r, s.record(ctx, audit.Event{Act: ActPriceRule, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"rule": r.Name, "change": "saved", "percent": strconv.FormatFloat(r.Percent, 'f', -1, 64)}})
}

// DeleteRule removes a rule.
func (s *Service) DeleteRule(ctx context.Context, name, actor string) error {
	if err := s.cfg.Store.DeleteDefinition(ctx, DefinitionPriceRule, name); err != nil {
		return fmt.Errorf("%w %q: %w", ErrNoSuchRule, name, err)
	}
	return s.record(ctx, audit.Event{Act: ActPriceRule, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"rule": name, "change": "removed"}})
}

// Rules lists the saved rules by name. A stored rule that no longer passes Check (the
// checks grew stricter) is left out of quotes and listed with Refused set.
func (s *Service) Rules(ctx context.Context) ([]RuleView, error) {
	defs, err := s.cfg.Store.Definitions(ctx, DefinitionPriceRule)
	if err != nil {
		return nil, err
	}
	tax := s.cfg.Regime().Manifest().Taxonomy
	out := make([]RuleView, 0, len(defs))
	for _, d := range defs {
		var r Rule
		if err := json.Unmarshal(d.Spec, &r); err != nil {
			return nil, fmt.Errorf("price rule %s: %w", d.Name, err)
		}
		v := RuleView{Rule: r, Actor: d.Actor, UpdatedAt: d.UpdatedAt}
		if err := Check(r, tax); err != nil {
			v.Refused = err.Error()
		}
		out = append(out, v)
	}
	return out, nil
}

// RuleView is a saved rule with who saved it when.
type RuleView struct {
	Rule
	Actor     string    `json:"actor"`
	UpdatedAt time.Time `json:"updated_at"`
	Refused   string    `json:"refused,omitempty"`
}

// QuoteRequest asks for a price.
type QuoteRequest struct {
	// UserID or AnonymousID names the visitor (userId wins); neither is a new customer.
	UserID, AnonymousID string
	Item                string
	ItemCategory        string
	// BasePrice is the list price in minor units (fen, cents).
	BasePrice int64
	Currency  string
	Channel   string
	Quantity  int
	PromoCode string
	// Device is the visitor's device class or User-Agent, for the fairness audit only:
	// no rule can read it.
	Device string
	// Country and Region say where the visitor shops (the checkout knows), for the
	// jurisdiction when the person's own data does not say.
	Country, Region string
	Lang            string
}

// Applied is one factor applied to a price.
type Applied struct {
	Rule string `json:"rule"`
	// Factors are the conditions that selected the rule (empty: it applies to everyone
	// buying the item then).
	Factors []string `json:"factors"`
	Percent float64  `json:"percent"`
	// Amount is the change it made, in minor units.
	Amount int64 `json:"amount"`
	// Reason is the rule's public description.
	Reason string `json:"reason"`
}

// Quote is a price with every factor behind it.
type Quote struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Item      string    `json:"item"`
	Currency  string    `json:"currency"`
	BasePrice int64     `json:"base_price"`
	Price     int64     `json:"price"`
	Applied   []Applied `json:"applied"`
	// Personalised is true when a factor came from the person's own history (a loyalty
	// reward): the price is personalised by automated decision-making.
	Personalised bool `json:"personalised"`
	// Disclosure is the notice the EU requires when the price is personalised (Directive
	// 2011/83/EU Art. 6(1)(ea), as amended by the Omnibus Directive 2019/2161).
	Disclosure   string `json:"disclosure,omitempty"`
	Jurisdiction string `json:"jurisdiction"`
	Explanation  string `json:"explanation"`
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Quote prices an item for a visitor: every rule in force whose items, window and
// conditions match applies, in name order, each rounding to a minor unit. The quote is
// stored for the fairness audit with the visitor's bands, never their identity.
func (s *Service) Quote(ctx context.Context, req QuoteRequest) (Quote, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: quote: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	switch {
	case req.Item == "" || len(req.Item) > 200:
		return Quote{}, bad("item is an id of 1 to 200 bytes")
	case req.BasePrice <= 0 || req.BasePrice > 1e12:
		return Quote{}, bad("base_price is a positive amount in minor units")
	case !currencyPattern.MatchString(req.Currency):
		return Quote{}, bad("currency is an ISO 4217 code such as CNY")
	case req.Channel != "" && !slices.Contains(Channels, req.Channel):
		return Quote{}, bad("channel is one of %v", Channels)
	case req.Quantity < 0 || req.Quantity > 100000:
		return Quote{}, bad("quantity is 1 to 100000")
	case len(req.PromoCode) > 64 || len(req.ItemCategory) > 100 || len(req.Device) > 512:
		return Quote{}, bad("promo_code, item_category or device too long")
	}
	if req.Quantity == 0 {
		req.Quantity = 1
	}
	cust, err := s.cfg.Customers.Customer(ctx, req.UserID, req.AnonymousID)
	if err != nil {
		return Quote{}, err
	}
	rules, err := s.Rules(ctx)
	if err != nil {
		return Quote{}, err
	}
	now := s.cfg.Now().UTC()
	lang := regime.Lang(req.Lang)
	q := Quote{At: now.Truncate(time.Microsecond), Item: req.Item, Currency: req.Currency, BasePrice: req.BasePrice,
		Explanation: "/algorithms#" + AlgorithmID}
	facts := map[string]float64{FactorQuantity: float64(req.Quantity), FactorOrders: float64(cust.Orders)}
	if cust.Orders > 0 {
		facts[FactorTenureDays] = math.Floor(now.Sub(cust.FirstOrder).Hours() / 24)
	} else {
		facts[FactorTenureDays] = 0
	}
	strs := map[string]string{FactorChannel: req.Channel, FactorItemCategory: req.ItemCategory, FactorPromoCode: req.PromoCode}
	var inForce []Rule
	for _, rv := range rules {
		if rv.Refused == "" {
			inForce = append(inForce, rv.Rule)
		}
	}
	q.Price, q.Applied, q.Personalised = apply(inForce, req.BasePrice, now, req.Item, facts, strs, lang)
	reg := s.cfg.Regime()
	q.Jurisdiction = reg.Jurisdiction(cust.Address, [2]string{req.Country, req.Region}, cust.Seen)
	if q.Personalised && q.Jurisdiction == regime.JurisdictionEU {
		q.Disclosure = disclosure[lang]
	}
	b := make([]byte, 9)
	rand.Read(b)
	q.ID = "qt_" + hex.EncodeToString(b)
	rec := store.PriceQuote{ID: q.ID, At: q.At, Item: q.Item, Channel: req.Channel, Currency: q.Currency, BasePrice: q.BasePrice,
		Price: q.Price, Personalised: q.Personalised, TenureBand: tenureBand(cust, now), DeviceClass: DeviceClass(req.Device),
		SpendBand: s.spendBand(cust), Jurisdiction: q.Jurisdiction}
	for _, a := range q.Applied {
		rec.Rules = append(rec.Rules, a.Rule)
	}
	if err := s.cfg.Store.AddPriceQuote(ctx, rec); err != nil {
		return Quote{}, err
	}
	if cust.Known {
		if err := s.record(ctx, audit.Event{Act: ActPriceQuote, SubjectID: cust.SubjectID, Actor: "system", Purpose: PurposeQuote,
			LegalBasis: "contract", Detail: map[string]string{"quote": q.ID, "personalised": strconv.FormatBool(q.Personalised)}}); err != nil {
			return Quote{}, err
		}
	}
	return q, nil
}

var disclosure = map[string]string{
	"en":    "This price was personalised for you by automated decision-making (a loyalty reward). Every factor and its reason is listed with the price.",
	"zh-CN": "此价格经自动化决策为您个性化调整（忠诚顾客优惠）。每项因素及其理由均随价格列出。",
}

// apply prices an item: every rule in force at now whose items and conditions match
// changes the running price by its percentage, in the order given, rounded to a minor unit.
func apply(rules []Rule, base int64, now time.Time, item string, nums map[string]float64, strs map[string]string, lang string) (int64, []Applied, bool) {
	price, applied, personalised := base, []Applied{}, false
	for _, r := range rules {
		if (!r.From.IsZero() && now.Before(r.From)) || (!r.Until.IsZero() && !now.Before(r.Until)) {
			continue
		}
		if len(r.Items) > 0 && !slices.Contains(r.Items, item) {
			continue
		}
		matched, personal, names := true, false, []string{}
		for _, c := range r.When {
			if !holds(c, nums, strs) {
				matched = false
				break
			}
			names = append(names, describe(c))
			personal = personal || factors[c.Factor].loyalty
		}
		if !matched {
			continue
		}
		delta := int64(math.Round(float64(price) * r.Percent / 100))
		if price+delta < 0 {
			delta = -price
		}
		price += delta
		personalised = personalised || personal
		applied = append(applied, Applied{Rule: r.Name, Factors: names, Percent: r.Percent, Amount: delta, Reason: r.Description[lang]})
	}
	return price, applied, personalised
}

func holds(c Condition, nums map[string]float64, strs map[string]string) bool {
	if factors[c.Factor].numeric {
		v, n := nums[c.Factor], *c.Number
		switch c.Op {
		case ">=":
			return v >= n
		case ">":
			return v > n
		case "<=":
			return v <= n
		case "<":
			return v < n
		case "==":
			return v == n
		case "!=":
			return v != n
		}
		return false
	}
	v := strs[c.Factor]
	if c.Op == "is" {
		return v != "" && v == c.Value
	}
	return v != "" && slices.Contains(c.Values, v)
}

func describe(c Condition) string {
	switch {
	case c.Number != nil:
		return c.Factor + " " + c.Op + " " + strconv.FormatFloat(*c.Number, 'f', -1, 64)
	case c.Op == "in":
		return c.Factor + " in " + strings.Join(c.Values, ",")
	}
	return c.Factor + " is " + c.Value
}

// Bands the audit compares.
const (
	TenureNew    = "new"
	TenureUnder1 = "under_1y"
	Tenure1to3   = "1y_3y"
	TenureOver3  = "over_3y"
)

// tenureOrder ranks tenure bands from newest to most loyal.
var tenureOrder = []string{TenureNew, TenureUnder1, Tenure1to3, TenureOver3}

func tenureBand(c Customer, now time.Time) string {
	if c.Orders == 0 {
		return TenureNew
	}
	switch d := now.Sub(c.FirstOrder); {
	case d < 365*24*time.Hour:
		return TenureUnder1
	case d < 3*365*24*time.Hour:
		return Tenure1to3
	}
	return TenureOver3
}

// spendOrder ranks spend bands from least to most spent.
var spendOrder = []string{"none", "low", "mid", "high"}

func (s *Service) spendBand(c Customer) string {
	switch {
	case c.Spend <= 0:
		return "none"
	case c.Spend < s.cfg.SpendBands[0]:
		return "low"
	case c.Spend < s.cfg.SpendBands[1]:
		return "mid"
	}
	return "high"
}

// DeviceClass turns a device class or a User-Agent into mobile, tablet, desktop or
// unknown: the audit's device band.
func DeviceClass(s string) string {
	l := strings.ToLower(s)
	switch {
	case l == "mobile" || l == "tablet" || l == "desktop":
		return l
	case l == "":
		return "unknown"
	case strings.Contains(l, "ipad") || strings.Contains(l, "tablet"):
		return "tablet"
	case strings.Contains(l, "mobi") || strings.Contains(l, "iphone") || strings.Contains(l, "android"):
		return "mobile"
	case strings.Contains(l, "windows") || strings.Contains(l, "macintosh") || strings.Contains(l, "x11") || strings.Contains(l, "cros"):
		return "desktop"
	}
	return "unknown"
}

// IssuedQuote is a stored quote as an operator answering an explanation or review request
// reads it: what was quoted, by which rules, in which bands — never to whom.
type IssuedQuote struct {
	ID           string    `json:"id"`
	At           time.Time `json:"at"`
	Item         string    `json:"item"`
	Channel      string    `json:"channel"`
	Currency     string    `json:"currency"`
	BasePrice    int64     `json:"base_price"`
	Price        int64     `json:"price"`
	Personalised bool      `json:"personalised"`
	Rules        []string  `json:"rules"`
	TenureBand   string    `json:"tenure_band"`
	DeviceClass  string    `json:"device_class"`
	SpendBand    string    `json:"spend_band"`
	Jurisdiction string    `json:"jurisdiction"`
}

// Issued returns a quote issued earlier (an explanation request names it).
func (s *Service) Issued(ctx context.Context, id string) (IssuedQuote, error) {
	q, err := s.cfg.Store.PriceQuote(ctx, id)
	if err != nil {
		return IssuedQuote{}, err
	}
	rules := q.Rules
	if rules == nil {
		rules = []string{}
	}
	return IssuedQuote{ID: q.ID, At: q.At, Item: q.Item, Channel: q.Channel, Currency: q.Currency, BasePrice: q.BasePrice, Price: q.Price,
		Personalised: q.Personalised, Rules: rules, TenureBand: q.TenureBand, DeviceClass: q.DeviceClass, SpendBand: q.SpendBand,
		Jurisdiction: q.Jurisdiction}, nil
}
