package equity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Errors.
var (
	// ErrNoTiers: the manifest in force declares no tiers.
	ErrNoTiers = errors.New("equity: this shop offers no privacy tiers")
	// ErrUnknownTier: no tier of that name.
	ErrUnknownTier = errors.New("equity: unknown tier")
	// ErrNoSubscription: the manifest offers no privacy subscription (or not that way).
	ErrNoSubscription = errors.New("equity: no privacy subscription on offer")
	// ErrMonths: a purchase asks for a number of months outside 1..max_months.
	ErrMonths = errors.New("equity: months out of range")
	// ErrPaymentRef: a paid subscription names no usable payment reference.
	ErrPaymentRef = errors.New("equity: a payment reference is required")
	// ErrInsufficientPoints: the balance does not cover the purchase.
	ErrInsufficientPoints = errors.New("equity: not enough points")
)

// Ledger is the part of the consent ledger the service uses (*consent.Ledger).
type Ledger interface {
	Current(ctx context.Context, subjectID string) (consent.State, error)
	History(ctx context.Context, subjectID string) ([]store.ConsentRecord, error)
	Record(ctx context.Context, subjectID string, choices []consent.Choice, m consent.Meta) ([]store.ConsentRecord, error)
}

// Config builds a Service.
type Config struct {
	Regime func() *regime.Regime
	Ledger Ledger
	Store  store.Equity
	Now    func() time.Time
	// Location is where months begin and end (default UTC).
	Location *time.Location
}

// Service runs the exchange.
type Service struct{ cfg Config }

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &Service{cfg: cfg}
}

func (s *Service) manifest() *manifest.Manifest { return s.cfg.Regime().Manifest() }

// tierOf is the tier of a consent state; ok false for a mix no tier describes.
func tierOf(m *manifest.Manifest, st consent.State) (manifest.Tier, bool) {
	return m.TierOf(st.Granted)
}

// Change is one consent change a tier choice recorded.
type Change struct {
	Purpose string `json:"purpose"`
	Granted bool   `json:"granted"`
}

// Choose records the consent changes that put the person in the named tier, all in one
// ledger append (one processing act per change), and returns them. Choosing the tier one is
// already in changes nothing. Going down is as easy as going up: the same call.
func (s *Service) Choose(ctx context.Context, subjectID, name, lang string) ([]Change, error) {
	m := s.manifest()
	if len(m.Tiers) == 0 {
		return nil, ErrNoTiers
	}
	t, ok := m.Tier(name)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTier, name)
	}
	if err := s.accrue(ctx, subjectID); err != nil { // months before the change are paid as held
		return nil, err
	}
	st, err := s.cfg.Ledger.Current(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	choices := Plan(m, st, t)
	if len(choices) == 0 {
		return []Change{}, nil
	}
	from := "own_mix"
	if cur, ok := tierOf(m, st); ok {
		from = cur.Name
	}
	if _, err := s.cfg.Ledger.Record(ctx, subjectID, choices, consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject",
		Evidence: map[string]any{"tier": t.Name, "from_tier": from, "lang": lang}}); err != nil {
		return nil, err
	}
	out := make([]Change, len(choices))
	for i, c := range choices {
		out[i] = Change{Purpose: c.Key, Granted: c.Granted}
	}
	return out, nil
}

// Plan lists the consent changes that take a consent state to tier t: every purpose some
// tier governs is granted when t grants it and withdrawn otherwise; an ad-free tier also
// withdraws every advertising consent (a separate one included), or its promise would be
// false; a tier that grants a targeting purpose turns personalisation back on, or the
// grant would do nothing. Nothing else is touched: separate consents to sharing or
// transfer, and purposes no tier mentions, stay as the person left them.
func Plan(m *manifest.Manifest, st consent.State, t manifest.Tier) []consent.Choice {
	var out []consent.Choice
	set := func(key string, want bool) {
		if st.Granted(key) != want && !slices.ContainsFunc(out, func(c consent.Choice) bool { return c.Key == key }) {
			out = append(out, consent.Choice{Key: key, Granted: want})
		}
	}
	for _, p := range m.TierPurposes() {
		set(p, slices.Contains(t.Purposes, p))
	}
	if t.Has(manifest.BenefitAdFree) {
		for _, p := range m.Taxonomy.Purposes() {
			if taxonomy.Beneath(p.Key, "marketing.advertising") {
				set(p.Key, false)
			}
		}
	}
	for _, pk := range t.Purposes {
		if p, ok := m.Taxonomy.Purpose(pk); ok && p.Targeting && st.Granted(consent.SignalPersonalisationOff) {
			set(consent.SignalPersonalisationOff, false)
			break
		}
	}
	return out
}

func newID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b) //nolint:errcheck // crypto/rand never fails on supported platforms
	return prefix + hex.EncodeToString(b)
}

// MonthZone is where a deployment's months begin and end: China's time for a shop at home
// in China (no daylight saving there, so a fixed zone is exact), UTC elsewhere.
func MonthZone(home string) *time.Location {
	if home == "CN" {
		return time.FixedZone("Asia/Shanghai", 8*3600)
	}
	return time.UTC
}
