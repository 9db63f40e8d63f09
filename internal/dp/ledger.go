package dp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Recorder appends processing acts to the audit log (implemented by *audit.Recorder).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config is what a Ledger needs. Store, Source and Recorder are required.
type Config struct {
	Store    store.PrivacyBudgets
	Source   Source
	Recorder Recorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Ledger owns privacy budgets and the reports spent against them (issue 20 items 1–3): it
// validates a report, prices it, charges the budget atomically before computing anything,
// computes the release from the Source, records the release in the audit log and stores
// its noisy cells, so the same query over the same data returns them again for free.
type Ledger struct {
	st      store.PrivacyBudgets
	src     Source
	rec     Recorder
	now     func() time.Time
	inflate float64 // 1; tests break the mechanism with more
}

// New returns a Ledger.
func New(cfg Config) (*Ledger, error) {
	if cfg.Store == nil || cfg.Source == nil || cfg.Recorder == nil {
		return nil, errors.New("dp: Store, Source and Recorder are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Ledger{st: cfg.Store, src: cfg.Source, rec: cfg.Recorder, now: cfg.Now, inflate: 1}, nil
}

// BudgetSpec is a budget request (issue 20 item 4: name, epsilon, delta, period).
type BudgetSpec struct {
	Name     string  `json:"name"`
	Consumer string  `json:"consumer,omitempty"` // who spends it; defaults to Name
	Epsilon  float64 `json:"epsilon"`
	Delta    float64 `json:"delta"`
	Period   string  `json:"period"` // "lifetime" or a rolling window such as "30d" (ParsePeriod)
}

// Budget is a budget as it stands now.
type Budget struct {
	Name      string    `json:"name"`
	Consumer  string    `json:"consumer"`
	Limit     Limit     `json:"limit"`
	Period    string    `json:"period"`
	Spent     Spend     `json:"spent"`
	Remaining Remaining `json:"remaining"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	LimitsAt  time.Time `json:"limits_at"`
}

// ParseBudgetSpec decodes a budget request strictly (unknown fields and trailing data are
// errors) and validates it.
func ParseBudgetSpec(b []byte) (BudgetSpec, error) {
	var s BudgetSpec
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return BudgetSpec{}, budgetErr("body", "%s", jsonReason(err))
	}
	if dec.More() {
		return BudgetSpec{}, budgetErr("body", "trailing data after the JSON object")
	}
	if _, err := s.check(); err != nil {
		return BudgetSpec{}, err
	}
	return s, nil
}

func (s BudgetSpec) check() (store.PrivacyLimits, error) {
	if err := checkName(s.Name); err != nil {
		return store.PrivacyLimits{}, budgetErr("name", "%v", err)
	}
	if len(s.Consumer) > 256 {
		return store.PrivacyLimits{}, budgetErr("consumer", "at most 256 bytes")
	}
	if !(s.Epsilon > 0) || s.Epsilon > 100 {
		return store.PrivacyLimits{}, budgetErr("epsilon", "must be in (0, 100]")
	}
	if !(s.Delta >= 0) || s.Delta > MaxDelta {
		return store.PrivacyLimits{}, budgetErr("delta", "must be in [0, %g] (0 allows Laplace reports over public keys only)", MaxDelta)
	}
	w, err := ParsePeriod(s.Period)
	if err != nil {
		return store.PrivacyLimits{}, budgetErr("period", "%v", err)
	}
	return store.PrivacyLimits{Epsilon: s.Epsilon, Delta: s.Delta, Window: w}, nil
}

// CreateBudget creates a budget.
func (l *Ledger) CreateBudget(ctx context.Context, actor string, s BudgetSpec) (Budget, error) {
	lim, err := s.check()
	if err != nil {
		return Budget{}, err
	}
	if s.Consumer == "" {
		s.Consumer = s.Name
	}
	now := l.now().UTC()
	lim.At, lim.Actor = now, actor
	b := store.PrivacyBudget{Name: s.Name, Consumer: s.Consumer, CreatedAt: now, CreatedBy: actor, Limits: lim}
	if err := l.st.CreatePrivacyBudget(ctx, b); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Budget{}, fmt.Errorf("create budget %q: %w", s.Name, ErrBudgetExists)
		}
		return Budget{}, fmt.Errorf("create budget: %w", err)
	}
	if err := l.recordLimits(ctx, actor, "created", s); err != nil {
		return Budget{}, fmt.Errorf("create budget: %w", err)
	}
	return l.Budget(ctx, s.Name)
}

// recordLimits records a budget's creation or new limits: what may be released from the
// data is a governance decision the audit log shows (configuration, no subject).
func (l *Ledger) recordLimits(ctx context.Context, actor, change string, s BudgetSpec) error {
	d := map[string]string{"privacy_budget": s.Name, "change": change, "epsilon": strconv.FormatFloat(s.Epsilon, 'g', -1, 64),
		"delta": strconv.FormatFloat(s.Delta, 'g', -1, 64), "period": s.Period}
	if s.Consumer != "" {
		d["consumer"] = s.Consumer
	}
	return l.rec.Record(ctx, audit.Event{Act: audit.ActDefinitionChange, Actor: actor, Detail: d})
}

// SetLimits gives budget s.Name new limits from now on (appended; the old ones stay in
// the history). Its consumer does not change.
func (l *Ledger) SetLimits(ctx context.Context, actor string, s BudgetSpec) (Budget, error) {
	lim, err := s.check()
	if err != nil {
		return Budget{}, err
	}
	lim.At, lim.Actor = l.now().UTC(), actor
	if err := l.st.AppendPrivacyLimits(ctx, s.Name, lim); err != nil {
		return Budget{}, budgetLookupErr("set budget limits", s.Name, err)
	}
	if err := l.recordLimits(ctx, actor, "limits", s); err != nil {
		return Budget{}, fmt.Errorf("set budget limits: %w", err)
	}
	return l.Budget(ctx, s.Name)
}

func budgetLookupErr(op, name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s: %w: %q", op, ErrUnknownBudget, name)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Budget returns a budget with what was spent in its current period and what is left.
func (l *Ledger) Budget(ctx context.Context, name string) (Budget, error) {
	b, sp, err := l.st.PrivacySpent(ctx, name, l.now())
	if err != nil {
		return Budget{}, budgetLookupErr("budget", name, err)
	}
	return status(b, sp), nil
}

// Budgets lists every budget with its spend.
func (l *Ledger) Budgets(ctx context.Context) ([]Budget, error) {
	bs, err := l.st.ListPrivacyBudgets(ctx)
	if err != nil {
		return nil, fmt.Errorf("budgets: %w", err)
	}
	out := make([]Budget, 0, len(bs))
	for _, b := range bs {
		st, err := l.Budget(ctx, b.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func limitOf(b store.PrivacyBudget) Limit {
	return Limit{Epsilon: b.Limits.Epsilon, Delta: b.Limits.Delta}
}

func spendOf(b store.PrivacyBudget, sp store.PrivacySpend) Spend {
	c := Cost{Rho: sp.Rho, Epsilon: sp.Epsilon, Delta: sp.Delta}
	return Spend{Cost: c, EpsilonTotal: Epsilon(EpsilonAt(c, b.Limits.Delta)), Charges: sp.Charges}
}

func status(b store.PrivacyBudget, sp store.PrivacySpend) Budget {
	s := spendOf(b, sp)
	return Budget{Name: b.Name, Consumer: b.Consumer, Limit: limitOf(b), Period: FormatPeriod(b.Limits.Window),
		Spent: s, Remaining: remaining(limitOf(b), s.Cost), CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy, LimitsAt: b.Limits.At}
}

// Release is a report's answer (issue 20 item 4's response, plus what we add).
type Release struct {
	ID string `json:"id,omitempty"`
	// Spec is the request with every default filled in.
	Spec  Spec   `json:"spec"`
	Cells []Cell `json:"cells"`
	// Charged is what this answer cost: zero for a replay, the would-be cost for a dry run.
	Charged   Charge    `json:"charged"`
	Remaining Remaining `json:"remaining"`
	Preview   Preview   `json:"preview"`
	// DryRun: nothing was charged or computed; Allowed says whether the charge would fit.
	DryRun  bool `json:"dry_run,omitempty"`
	Allowed bool `json:"allowed"`
	// Replayed: the same query over the same data was answered before; this is that
	// answer, and nothing was charged.
	Replayed    bool      `json:"replayed,omitempty"`
	DataVersion string    `json:"data_version,omitempty"`
	At          time.Time `json:"at"`
}

// stored is what a release keeps in the store: the noisy cells and how they were made.
type stored struct {
	Spec        Spec      `json:"spec"`
	Cells       []Cell    `json:"cells"`
	Cost        Cost      `json:"cost"`
	Preview     Preview   `json:"preview"`
	DataVersion string    `json:"data_version"`
	At          time.Time `json:"at"`
}

// Report answers spec, charged to spec.Budget on behalf of actor. A dry run prices the
// report and previews its accuracy without charging or reading any data. Otherwise the
// same query over the same data version returns the stored release without a charge, and
// a new one is charged first — a *BudgetExhaustedError (ErrBudgetExhausted) if it does
// not fit — then computed, recorded in the audit log and stored.
func (l *Ledger) Report(ctx context.Context, actor string, spec Spec) (Release, error) {
	p, err := compile(spec)
	if err != nil {
		return Release{}, err
	}
	pv, err := p.preview()
	if err != nil {
		return Release{}, err
	}
	now := l.now().UTC()
	b, sp, err := l.st.PrivacySpent(ctx, p.spec.Budget, now)
	if err != nil {
		return Release{}, budgetLookupErr("report", p.spec.Budget, err)
	}
	q := p.query()
	if c, ok := l.src.(Checker); ok {
		if err := c.Check(ctx, q); err != nil {
			return Release{}, err
		}
	}
	// The version is read before the data: a release computed while new events arrive is
	// filed under the version before them, which only means its replay answers a query
	// about slightly older data with slightly newer data — once, under one charge.
	version, err := l.src.Version(ctx, q)
	if err != nil {
		return Release{}, fmt.Errorf("report: data version: %w", err)
	}
	fp := fingerprint(p.spec, version)
	if version != "" {
		if r, err := l.st.GetPrivacyRelease(ctx, p.spec.Budget, fp); err == nil {
			return l.replay(r, b, sp, spec.DryRun)
		} else if !errors.Is(err, store.ErrNotFound) {
			return Release{}, fmt.Errorf("report: %w", err)
		}
	}
	lim := limitOf(b)
	charge := Charge{Cost: p.cost, EpsilonTotal: Epsilon(EpsilonAt(p.cost, lim.Delta))}
	if spec.DryRun {
		after := spendOf(b, sp).Cost.plus(p.cost)
		return Release{Spec: p.spec, Cells: []Cell{}, Charged: charge, Remaining: remaining(lim, after), Preview: pv,
			DryRun: true, Allowed: fits(lim, after), DataVersion: version, At: now}, nil
	}
	if version == "" {
		fp = fingerprint(p.spec, "unversioned-"+newID("q"))
	}

	// Charge first: no result without a committed charge.
	c := store.PrivacyCharge{ID: newID("chg"), Budget: p.spec.Budget, Fingerprint: fp, At: now, Rho: p.cost.Rho,
		Epsilon: p.cost.Epsilon, Delta: p.cost.Delta, Purpose: p.spec.Purpose, Measure: string(p.spec.Measure), Actor: actor}
	var after Cost
	got, fresh, err := l.st.ChargePrivacyBudget(ctx, c, func(b store.PrivacyBudget, sp store.PrivacySpend) error {
		lim := limitOf(b)
		spent := spendOf(b, sp)
		after = spent.Cost.plus(p.cost)
		if !fits(lim, after) {
			return &BudgetExhaustedError{Budget: b.Name, Cost: Charge{Cost: p.cost, EpsilonTotal: Epsilon(EpsilonAt(p.cost, lim.Delta))},
				Spent: spent, Limit: lim, Remaining: remaining(lim, spent.Cost)}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Release{}, budgetLookupErr("report", p.spec.Budget, err)
		}
		return Release{}, err
	}
	if !fresh {
		// The query was charged before but its release never stored (a crash, or a
		// concurrent twin still computing): compute it under that charge; only one
		// answer per charge is ever stored and returned.
		charge = Charge{}
	}
	a, err := aggregate(ctx, p, l.src, l.inflate)
	if err != nil {
		return Release{}, err
	}
	cells, err := a.release()
	if err != nil {
		return Release{}, err
	}
	relID := newID("rel")
	body, err := json.Marshal(stored{Spec: p.spec, Cells: cells, Cost: p.cost, Preview: pv, DataVersion: version, At: now})
	if err != nil {
		return Release{}, fmt.Errorf("report: encode release: %w", err)
	}
	// The release is a processing act; it is recorded before anyone sees it.
	if err := l.rec.Record(ctx, audit.Event{Act: audit.ActDPQuery, Actor: actor, Purpose: p.spec.Purpose, Recipient: b.Consumer,
		Detail: auditDetail(p, got, relID, len(cells), version)}); err != nil {
		return Release{}, fmt.Errorf("report: %w", err)
	}
	err = l.st.PutPrivacyRelease(ctx, store.PrivacyRelease{ID: relID, Budget: p.spec.Budget, Fingerprint: fp, ChargeID: got.ID, At: now, Body: body})
	if errors.Is(err, store.ErrConflict) {
		// A twin stored its answer first: return that one, never a second answer.
		r, gerr := l.st.GetPrivacyRelease(ctx, p.spec.Budget, fp)
		if gerr != nil {
			return Release{}, fmt.Errorf("report: %w", gerr)
		}
		b, sp, gerr := l.st.PrivacySpent(ctx, p.spec.Budget, l.now())
		if gerr != nil {
			return Release{}, fmt.Errorf("report: %w", gerr)
		}
		rel, gerr := l.replay(r, b, sp, false)
		rel.Charged = charge
		return rel, gerr
	}
	if err != nil {
		return Release{}, fmt.Errorf("report: store release: %w", err)
	}
	b, sp, err = l.st.PrivacySpent(ctx, p.spec.Budget, l.now())
	if err != nil {
		return Release{}, fmt.Errorf("report: %w", err)
	}
	return Release{ID: relID, Spec: p.spec, Cells: cells, Charged: charge, Remaining: remaining(limitOf(b), spendOf(b, sp).Cost),
		Preview: pv, Allowed: true, DataVersion: version, At: now}, nil
}

// replay returns a stored release: nothing charged.
func (l *Ledger) replay(r store.PrivacyRelease, b store.PrivacyBudget, sp store.PrivacySpend, dry bool) (Release, error) {
	var s stored
	if err := json.Unmarshal(r.Body, &s); err != nil {
		return Release{}, fmt.Errorf("report: stored release %s: %w", r.ID, err)
	}
	return Release{ID: r.ID, Spec: s.Spec, Cells: s.Cells, Remaining: remaining(limitOf(b), spendOf(b, sp).Cost), Preview: s.Preview,
		DryRun: dry, Allowed: true, Replayed: true, DataVersion: s.DataVersion, At: s.At}, nil
}

// Release returns a stored release by id, as a replay.
func (l *Ledger) Release(ctx context.Context, id string) (Release, error) {
	r, err := l.st.PrivacyReleaseByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Release{}, fmt.Errorf("release %q: %w", id, ErrUnknownRelease)
	}
	if err != nil {
		return Release{}, fmt.Errorf("release: %w", err)
	}
	b, sp, err := l.st.PrivacySpent(ctx, r.Budget, l.now())
	if err != nil {
		return Release{}, fmt.Errorf("release: %w", err)
	}
	return l.replay(r, b, sp, false)
}

// Releases returns up to limit (at most 1000) of a budget's releases, newest first.
func (l *Ledger) Releases(ctx context.Context, budget string, limit int) ([]Release, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	b, sp, err := l.st.PrivacySpent(ctx, budget, l.now())
	if err != nil {
		return nil, budgetLookupErr("releases", budget, err)
	}
	rs, err := l.st.PrivacyReleases(ctx, budget, limit)
	if err != nil {
		return nil, fmt.Errorf("releases: %w", err)
	}
	out := make([]Release, 0, len(rs))
	for _, r := range rs {
		rel, err := l.replay(r, b, sp, false)
		if err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}

// fingerprint names a query: its normalised spec (without dry_run) and the data version.
func fingerprint(s Spec, version string) string {
	s.DryRun = false
	b, _ := json.Marshal(struct {
		Spec    Spec   `json:"spec"`
		Version string `json:"version"`
	}{s, version})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func auditDetail(p *plan, c store.PrivacyCharge, relID string, cells int, version string) map[string]string {
	d := map[string]string{
		"budget":       p.spec.Budget,
		"measure":      string(p.spec.Measure),
		"noise":        string(p.spec.Noise),
		"epsilon":      strconv.FormatFloat(c.Epsilon, 'g', 6, 64),
		"rho":          strconv.FormatFloat(c.Rho, 'g', 6, 64),
		"delta":        strconv.FormatFloat(c.Delta, 'g', 6, 64),
		"charge":       c.ID,
		"release":      relID,
		"cells":        strconv.Itoa(cells),
		"data_version": version,
	}
	if p.spec.Event != "" {
		d["event"] = p.spec.Event
	}
	if p.spec.Property != "" {
		d["property"] = p.spec.Property
	}
	if len(p.spec.GroupBy) > 0 {
		d["group_by"] = strings.Join(p.spec.GroupBy, ",")
	}
	return d
}

func newID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
