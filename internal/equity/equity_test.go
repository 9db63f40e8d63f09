package equity_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/equity"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	st     store.Store
	ledger *consent.Ledger
	svc    *equity.Service
	clock  *clock
	reg    *regime.Regime
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC)}
	reg := regime.New(manifest.Default(), 1, nil)
	cur := func() *regime.Regime { return reg }
	l := consent.New(consent.Config{Store: st, Now: c.Now, Regime: cur})
	return &fixture{st: st, ledger: l, clock: c, reg: reg,
		svc: equity.New(equity.Config{Regime: cur, Ledger: l, Store: st, Now: c.Now})}
}

func (f *fixture) tier(t *testing.T, sub string) string {
	t.Helper()
	s, err := f.svc.Standing(context.Background(), sub, "en")
	if err != nil {
		t.Fatal(err)
	}
	if s.OwnMix {
		return "(own mix)"
	}
	return s.Tier
}

func (f *fixture) choose(t *testing.T, sub, tier string) []equity.Change {
	t.Helper()
	f.clock.Set(f.clock.Now().Add(time.Minute)) // each choice its own instant
	ch, err := f.svc.Choose(context.Background(), sub, tier, "en")
	if err != nil {
		t.Fatalf("choose %s: %v", tier, err)
	}
	return ch
}

func meta() consent.Meta { return consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject"} }

// The tier is derived from the consent state, whichever way the consents were given.
func TestTierDerivedFromConsentState(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if got := f.tier(t, "sp_1"); got != "conservative" {
		t.Fatalf("nobody's choices yet: %s", got)
	}
	for _, step := range []struct {
		purpose string
		granted bool
		want    string
	}{
		{"analytics.reporting", true, "statistics_only"},
		{"personalize.content", true, "personalised"},
		{"marketing.communications", true, "personalised"},
		{"marketing.communications.email", true, "engaged"},
		{"marketing.advertising.first_party", true, "engaged"},
		{"marketing.advertising.profiling", true, "contributor"},
		{"analytics.reporting", false, "(own mix)"}, // advertising without statistics: no tier says that
		{"marketing.advertising.first_party", false, "(own mix)"},
		{"marketing.advertising.profiling", false, "conservative"},
	} {
		if err := f.ledger.Choose(ctx, "sp_1", step.purpose, step.granted, meta()); err != nil {
			t.Fatal(err)
		}
		if got := f.tier(t, "sp_1"); got != step.want {
			t.Fatalf("after %s=%v: tier %s, want %s", step.purpose, step.granted, got, step.want)
		}
	}
}

// Choosing a tier records exactly the consent changes that make the state match it, up or
// down with the same call; the state then derives that tier.
func TestSymmetricSwitch(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// A separate consent given on its own stays as the person left it, unless a tier
	// promises no advertising.
	if err := f.ledger.Separate(ctx, "sp_1", "third_party_sharing", "Alimama Ads", true, meta()); err != nil {
		t.Fatal(err)
	}
	up := f.choose(t, "sp_1", "contributor")
	if len(up) != 6 || slices.ContainsFunc(up, func(c equity.Change) bool { return !c.Granted }) {
		t.Fatalf("up to contributor: %+v", up)
	}
	if got := f.tier(t, "sp_1"); got != "contributor" {
		t.Fatalf("tier after choosing contributor = %s", got)
	}
	if again := f.choose(t, "sp_1", "contributor"); len(again) != 0 {
		t.Fatalf("choosing the tier one is in changed %+v", again)
	}
	down := f.choose(t, "sp_1", "personalised")
	want := []string{"marketing.advertising.first_party", "marketing.advertising.profiling", "marketing.communications", "marketing.communications.email"}
	var got []string
	for _, c := range down {
		if c.Granted {
			t.Fatalf("going down granted %s", c.Purpose)
		}
		got = append(got, c.Purpose)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("down to personalised withdrew %v, want %v", got, want)
	}
	if f.tier(t, "sp_1") != "personalised" {
		t.Fatal("tier after going down")
	}
	// One ledger append per choice: the records of the last change share their instant and
	// carry the tier as evidence.
	h, _ := f.ledger.History(ctx, "sp_1")
	last := h[len(h)-1]
	n := 0
	for _, r := range h {
		if r.At.Equal(last.At) {
			n++
			if r.Method != store.MethodPrivacyCenter || !containsStr(string(r.Evidence), `"tier":"personalised"`) {
				t.Fatalf("record %+v", r)
			}
		}
	}
	if n != 4 {
		t.Fatalf("%d records in the last change, want 4", n)
	}
	st, _ := f.ledger.Current(ctx, "sp_1")
	if !st.Granted("third_party_sharing") {
		t.Fatal("a tier choice touched a separate consent")
	}
	// Down to the bottom, then straight back up: as many changes each way.
	f.choose(t, "sp_1", "contributor")
	bottom := f.choose(t, "sp_1", "conservative")
	top := f.choose(t, "sp_1", "contributor")
	if len(bottom) != 6 || len(top) != 6 {
		t.Fatalf("down %d changes, up %d", len(bottom), len(top))
	}
	if _, err := f.svc.Choose(ctx, "sp_1", "platinum", "en"); !errors.Is(err, equity.ErrUnknownTier) {
		t.Fatalf("unknown tier: %v", err)
	}
}

// The ad-free tier withdraws every advertising consent, the separate one included, and
// turning personalisation off then choosing a personalised tier turns it back on.
func TestAdFreeTierAndPersonalisation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.choose(t, "sp_1", "contributor")
	if err := f.ledger.Separate(ctx, "sp_1", "marketing.advertising.third_party.targeted", "Alimama Ads", true, meta()); err != nil {
		t.Fatal(err)
	}
	ch := f.choose(t, "sp_1", "conservative")
	if !slices.ContainsFunc(ch, func(c equity.Change) bool {
		return c.Purpose == "marketing.advertising.third_party.targeted" && !c.Granted
	}) {
		t.Fatalf("the ad-free tier left advertising by others granted: %+v", ch)
	}
	if f.tier(t, "sp_1") != "conservative" {
		t.Fatal("not conservative")
	}
	if err := f.ledger.SetPersonalisation(ctx, "sp_1", false, meta()); err != nil {
		t.Fatal(err)
	}
	ch = f.choose(t, "sp_1", "personalised")
	if !slices.ContainsFunc(ch, func(c equity.Change) bool { return c.Purpose == consent.SignalPersonalisationOff && !c.Granted }) {
		t.Fatalf("a personalised tier left personalisation off: %+v", ch)
	}
}

func containsStr(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// Points are paid per month held, for the least sharing tier of the month, once, and never
// taken back when consent is withdrawn.
func TestPointsNoClawBack(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.choose(t, "sp_1", "contributor") // 15 September
	f.clock.Set(time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC))
	p, err := f.svc.Points(ctx, "sp_1", "en")
	if err != nil {
		t.Fatal(err)
	}
	if p.Balance != 0 || len(p.Entries) != 0 {
		t.Fatalf("September was not held whole, October is not over: %+v", p)
	}
	f.clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	p, _ = f.svc.Points(ctx, "sp_1", "en")
	if p.Balance != 100 || len(p.Entries) != 1 || p.Entries[0].Period != "2026-10" || p.Entries[0].Explanation != "You were in “Data contributor” for all of October 2026" {
		t.Fatalf("after October: %+v", p)
	}
	// Withdrawing everything keeps what was earned.
	f.choose(t, "sp_1", "conservative")
	f.clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	p, _ = f.svc.Points(ctx, "sp_1", "zh-CN")
	if p.Balance != 100 || len(p.Entries) != 1 || p.Entries[0].Explanation != "2026年10月整月保持“数据贡献者”等级" {
		t.Fatalf("after withdrawing: %+v", p)
	}
	// Reading again pays nothing twice.
	if p2, _ := f.svc.Points(ctx, "sp_1", "en"); p2.Balance != 100 || len(p2.Entries) != 1 {
		t.Fatalf("second read: %+v", p2)
	}
	// A grant on the last day withdrawn on the first earns nothing for either month.
	f.clock.Set(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC))
	f.choose(t, "sp_1", "contributor")
	f.clock.Set(time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC))
	f.choose(t, "sp_1", "conservative")
	f.clock.Set(time.Date(2027, 2, 2, 0, 0, 0, 0, time.UTC))
	if p, _ := f.svc.Points(ctx, "sp_1", "en"); p.Balance != 100 {
		t.Fatalf("a day's grant across a month's end earned: %+v", p)
	}
	// A month held in "engaged" with a dip to "personalised" pays the dip.
	f.choose(t, "sp_1", "engaged") // 2 February
	f.clock.Set(time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC))
	f.choose(t, "sp_1", "personalised")
	f.clock.Set(time.Date(2027, 3, 11, 0, 0, 0, 0, time.UTC))
	f.choose(t, "sp_1", "engaged")
	f.clock.Set(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	p, _ = f.svc.Points(ctx, "sp_1", "en")
	if p.Balance != 120 || p.Entries[0].Period != "2027-03" || p.Entries[0].Points != 20 || p.Entries[0].Tier != "personalised" {
		t.Fatalf("March with a dip: %+v", p)
	}
}

// While a privacy subscription runs, no advertising purpose applies whatever the consents;
// it ends by itself and the consents apply again.
func TestSubscriptionOverridesConsent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.clock.Set(time.Date(2026, 7, 20, 0, 0, 0, 0, time.UTC))
	f.choose(t, "sp_1", "contributor")
	decide := func(purpose string) policy.Decision {
		st, err := f.ledger.Current(ctx, "sp_1")
		if err != nil {
			t.Fatal(err)
		}
		pd := f.reg.Policy()
		return pd.Decide(policy.Request{Subject: access.SubjectState(pd, st, false, 0), Purpose: purpose,
			Categories: []string{"user.behavior.browsing_history"}, Action: policy.Activate})
	}
	if d := decide("marketing.advertising.first_party"); d.Effect != policy.Allow {
		t.Fatalf("before: %+v", d)
	}
	// August earns 100: not enough for two months (240).
	f.clock.Set(time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC))
	if _, err := f.svc.Redeem(ctx, "sp_1", 2); !errors.Is(err, equity.ErrInsufficientPoints) {
		t.Fatalf("overspend: %v", err)
	}
	if s, _ := f.svc.Standing(ctx, "sp_1", "en"); s.Balance != 100 || s.Subscription != nil {
		t.Fatalf("a refused redemption wrote something: %+v", s)
	}
	f.clock.Set(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)) // September too: 200
	sub, err := f.svc.Redeem(ctx, "sp_1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !sub.Active || !sub.EndsAt.Equal(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)) || sub.Source != equity.SourcePoints {
		t.Fatalf("subscription %+v", sub)
	}
	for _, p := range []string{"marketing.advertising.first_party", "marketing.advertising.profiling"} {
		if d := decide(p); d.Effect != policy.Deny || d.Reason != policy.ReasonAdFree {
			t.Fatalf("%s during the subscription: %+v", p, d)
		}
	}
	if d := decide("marketing.communications.email"); d.Effect != policy.Allow {
		t.Fatalf("email is not advertising: %+v", d)
	}
	s, _ := f.svc.Standing(ctx, "sp_1", "en")
	if s.Balance != 80 || s.Subscription == nil || s.Tier != "contributor" {
		t.Fatalf("standing during: %+v", s)
	}
	// The consents are untouched: the subscription sits over them.
	st, _ := f.ledger.Current(ctx, "sp_1")
	if !st.Granted("marketing.advertising.first_party") || st[consent.SignalAdFree].Method != store.MethodSubscription {
		t.Fatalf("state %+v", st)
	}
	// A sweep before the end changes nothing; after it, the signal is withdrawn.
	if n, err := f.svc.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("early sweep: %d %v", n, err)
	}
	f.clock.Set(time.Date(2026, 11, 3, 0, 0, 1, 0, time.UTC))
	if n, err := f.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if d := decide("marketing.advertising.first_party"); d.Effect != policy.Allow {
		t.Fatalf("after the subscription: %+v", d)
	}
	if n, _ := f.svc.Sweep(ctx); n != 0 {
		t.Fatal("swept twice")
	}
	// A paid one needs a payment reference; two in a row chain.
	if _, err := f.svc.Paid(ctx, "sp_1", 1, "", "operator:op_1"); !errors.Is(err, equity.ErrPaymentRef) {
		t.Fatalf("no reference: %v", err)
	}
	a, err := f.svc.Paid(ctx, "sp_1", 1, "order-1", "operator:op_1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.svc.Paid(ctx, "sp_1", 2, "order-2", "operator:op_1")
	if !b.StartsAt.Equal(a.EndsAt) || b.Active {
		t.Fatalf("second paid subscription %+v after %+v", b, a)
	}
	f.clock.Set(a.EndsAt.Add(time.Minute))
	f.svc.Sweep(ctx)
	if d := decide("marketing.advertising.first_party"); d.Reason != policy.ReasonAdFree {
		t.Fatalf("the chained subscription lapsed early: %+v", d)
	}
	if _, err := f.svc.Redeem(ctx, "sp_1", 13); !errors.Is(err, equity.ErrMonths) {
		t.Fatalf("13 months: %v", err)
	}
}
