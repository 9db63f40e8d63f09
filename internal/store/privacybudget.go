package store

import (
	"context"
	"time"
)

// PrivacyBudget is a consumer's differential-privacy budget as it stands: its identity and
// the limits in force (the latest appended limits; issue 20 item 2). Budgets are never
// updated or deleted; changing a limit appends a PrivacyLimits row.
type PrivacyBudget struct {
	Name string
	// Consumer is who spends it: a team, an advertiser, a partner.
	Consumer  string
	CreatedAt time.Time
	CreatedBy string
	// Limits are the limits in force.
	Limits PrivacyLimits
}

// PrivacyLimits are a budget's limits from At on. Window is the rolling period a charge
// counts for (it counts while now < charge.At + Window); 0 means the budget's lifetime.
type PrivacyLimits struct {
	Epsilon float64
	Delta   float64
	Window  time.Duration
	At      time.Time
	Actor   string
}

// PrivacyCharge is one release's cost, appended before the release is computed. Rho is
// the zCDP part (Gaussian releases); Epsilon and Delta the part that composes additively
// (pure ε of Laplace releases, (ε, δ) of partition selection). Fingerprint names the query
// (spec and data version): a budget holds at most one charge per fingerprint.
type PrivacyCharge struct {
	ID          string
	Budget      string
	Fingerprint string
	At          time.Time
	Rho         float64
	Epsilon     float64
	Delta       float64
	Purpose     string
	Measure     string
	Actor       string
}

// PrivacySpend sums the charges that count against a budget at one instant.
type PrivacySpend struct {
	Rho     float64
	Epsilon float64
	Delta   float64
	Charges int
}

// PrivacyRelease is a computed release kept so the same query returns it again without a
// new charge. Body holds the noisy cells only (the package dp's JSON), never raw data.
type PrivacyRelease struct {
	ID          string
	Budget      string
	Fingerprint string
	ChargeID    string
	At          time.Time
	Body        []byte
}

// PrivacyBudgets keeps budgets, their limits, the charges against them and the releases
// they paid for. Every table is append-only: the backends refuse UPDATE and DELETE (and
// PostgreSQL TRUNCATE) with a trigger.
type PrivacyBudgets interface {
	// CreatePrivacyBudget stores a budget with its first limits (b.Limits); ErrConflict if
	// the name is taken.
	CreatePrivacyBudget(ctx context.Context, b PrivacyBudget) error
	// AppendPrivacyLimits appends new limits to a budget; ErrNotFound if there is none.
	AppendPrivacyLimits(ctx context.Context, name string, l PrivacyLimits) error
	// GetPrivacyBudget returns a budget with the limits in force; ErrNotFound if none.
	GetPrivacyBudget(ctx context.Context, name string) (PrivacyBudget, error)
	// ListPrivacyBudgets returns every budget by name.
	ListPrivacyBudgets(ctx context.Context) ([]PrivacyBudget, error)
	// PrivacyLimitsHistory returns a budget's limits, oldest first.
	PrivacyLimitsHistory(ctx context.Context, name string) ([]PrivacyLimits, error)
	// PrivacySpent returns the budget and what counts against it at instant at (the
	// charges inside its window ending at at); ErrNotFound if there is no such budget.
	PrivacySpent(ctx context.Context, name string, at time.Time) (PrivacyBudget, PrivacySpend, error)
	// ChargePrivacyBudget appends c to budget c.Budget if decide allows it, atomically with
	// respect to every other charge of that budget from any process: it locks the budget,
	// returns the existing charge (fresh false, decide not called) when the budget already
	// holds one with c.Fingerprint, and otherwise calls decide with the budget and what
	// counts against it at c.At; a non-nil error from decide is returned unchanged and
	// nothing is appended. ErrNotFound if there is no such budget.
	ChargePrivacyBudget(ctx context.Context, c PrivacyCharge, decide func(PrivacyBudget, PrivacySpend) error) (got PrivacyCharge, fresh bool, err error)
	// PrivacyCharges returns a budget's charges, oldest first.
	PrivacyCharges(ctx context.Context, budget string) ([]PrivacyCharge, error)
	// PutPrivacyRelease stores a release; ErrConflict if the budget already holds one with
	// the same fingerprint (the caller then returns that one instead).
	PutPrivacyRelease(ctx context.Context, r PrivacyRelease) error
	// GetPrivacyRelease returns the budget's release with this fingerprint; ErrNotFound.
	GetPrivacyRelease(ctx context.Context, budget, fingerprint string) (PrivacyRelease, error)
	// PrivacyReleaseByID returns a release by id; ErrNotFound.
	PrivacyReleaseByID(ctx context.Context, id string) (PrivacyRelease, error)
	// PrivacyReleases returns up to limit of a budget's releases, newest first.
	PrivacyReleases(ctx context.Context, budget string, limit int) ([]PrivacyRelease, error)
}
