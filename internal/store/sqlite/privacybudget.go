package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.PrivacyBudgets = (*Store)(nil)

// CreatePrivacyBudget implements store.PrivacyBudgets.
func (s *Store) CreatePrivacyBudget(ctx context.Context, b store.PrivacyBudget) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create privacy budget: %w", mapErr(err))
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, "INSERT INTO privacy_budgets(name, consumer, created_at, created_by) VALUES (?, ?, ?, ?)",
		b.Name, b.Consumer, toMicros(b.CreatedAt), b.CreatedBy); err != nil {
		return fmt.Errorf("create privacy budget: %w", mapErr(err))
	}
	if err := insertLimits(ctx, t, b.Name, b.Limits); err != nil {
		return fmt.Errorf("create privacy budget: %w", mapErr(err))
	}
	return mapErr(t.Commit())
}

func insertLimits(ctx context.Context, t *sql.Tx, name string, l store.PrivacyLimits) error {
	_, err := t.ExecContext(ctx, "INSERT INTO privacy_budget_limits(budget, epsilon, delta, window_us, at, actor) VALUES (?, ?, ?, ?, ?, ?)",
		name, l.Epsilon, l.Delta, l.Window.Microseconds(), toMicros(l.At), l.Actor)
	return err
}

// AppendPrivacyLimits implements store.PrivacyBudgets.
func (s *Store) AppendPrivacyLimits(ctx context.Context, name string, l store.PrivacyLimits) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append privacy limits: %w", mapErr(err))
	}
	defer t.Rollback()
	var one int
	if err := t.QueryRowContext(ctx, "SELECT 1 FROM privacy_budgets WHERE name = ?", name).Scan(&one); err != nil {
		return fmt.Errorf("append privacy limits: %w", mapErr(err))
	}
	if err := insertLimits(ctx, t, name, l); err != nil {
		return fmt.Errorf("append privacy limits: %w", mapErr(err))
	}
	return mapErr(t.Commit())
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// budgetSQL selects a budget with its latest limits.
const budgetSQL = `SELECT b.name, b.consumer, b.created_at, b.created_by, l.epsilon, l.delta, l.window_us, l.at, l.actor
	FROM privacy_budgets b JOIN privacy_budget_limits l ON l.seq = (SELECT MAX(seq) FROM privacy_budget_limits WHERE budget = b.name)`

func scanBudget(sc interface{ Scan(...any) error }) (store.PrivacyBudget, error) {
	var b store.PrivacyBudget
	var created, at, window int64
	err := sc.Scan(&b.Name, &b.Consumer, &created, &b.CreatedBy, &b.Limits.Epsilon, &b.Limits.Delta, &window, &at, &b.Limits.Actor)
	b.CreatedAt, b.Limits.At, b.Limits.Window = fromMicros(created), fromMicros(at), time.Duration(window)*time.Microsecond
	return b, err
}

func getBudget(ctx context.Context, q queryer, name string) (store.PrivacyBudget, error) {
	return scanBudget(q.QueryRowContext(ctx, budgetSQL+" WHERE b.name = ?", name))
}

// GetPrivacyBudget implements store.PrivacyBudgets.
func (s *Store) GetPrivacyBudget(ctx context.Context, name string) (store.PrivacyBudget, error) {
	b, err := getBudget(ctx, s.rc, name)
	if err != nil {
		return b, fmt.Errorf("privacy budget: %w", mapErr(err))
	}
	return b, nil
}

// ListPrivacyBudgets implements store.PrivacyBudgets.
func (s *Store) ListPrivacyBudgets(ctx context.Context) ([]store.PrivacyBudget, error) {
	rows, err := s.rc.QueryContext(ctx, budgetSQL+" ORDER BY b.name")
	if err != nil {
		return nil, fmt.Errorf("list privacy budgets: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PrivacyBudget
	for rows.Next() {
		b, err := scanBudget(rows)
		if err != nil {
			return nil, fmt.Errorf("list privacy budgets: %w", mapErr(err))
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

// PrivacyLimitsHistory implements store.PrivacyBudgets.
func (s *Store) PrivacyLimitsHistory(ctx context.Context, name string) ([]store.PrivacyLimits, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT epsilon, delta, window_us, at, actor FROM privacy_budget_limits WHERE budget = ? ORDER BY seq", name)
	if err != nil {
		return nil, fmt.Errorf("privacy limits history: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PrivacyLimits
	for rows.Next() {
		var l store.PrivacyLimits
		var window, at int64
		if err := rows.Scan(&l.Epsilon, &l.Delta, &window, &at, &l.Actor); err != nil {
			return nil, fmt.Errorf("privacy limits history: %w", mapErr(err))
		}
		l.Window, l.At = time.Duration(window)*time.Microsecond, fromMicros(at)
		out = append(out, l)
	}
	return out, mapErr(rows.Err())
}

// spent sums what counts against b at instant at: every charge while the window is the
// lifetime, else the charges with at - window < charge.at.
func spent(ctx context.Context, q queryer, b store.PrivacyBudget, at time.Time) (store.PrivacySpend, error) {
	var sp store.PrivacySpend
	since := int64(-1 << 62)
	if b.Limits.Window > 0 {
		since = toMicros(at.Add(-b.Limits.Window))
	}
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(rho), 0), COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0), COUNT(*)
		FROM privacy_charges WHERE budget = ? AND at > ?`, b.Name, since).Scan(&sp.Rho, &sp.Epsilon, &sp.Delta, &sp.Charges)
	return sp, err
}

// PrivacySpent implements store.PrivacyBudgets.
func (s *Store) PrivacySpent(ctx context.Context, name string, at time.Time) (store.PrivacyBudget, store.PrivacySpend, error) {
	// One read transaction, so the budget and its charges are one snapshot.
	t, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return store.PrivacyBudget{}, store.PrivacySpend{}, fmt.Errorf("privacy spent: %w", mapErr(err))
	}
	defer t.Rollback()
	b, err := getBudget(ctx, t, name)
	if err != nil {
		return b, store.PrivacySpend{}, fmt.Errorf("privacy spent: %w", mapErr(err))
	}
	sp, err := spent(ctx, t, b, at)
	if err != nil {
		return b, sp, fmt.Errorf("privacy spent: %w", mapErr(err))
	}
	return b, sp, nil
}

const chargeCols = "id, budget, fingerprint, at, rho, epsilon, delta, purpose, measure, actor"

func scanCharge(sc interface{ Scan(...any) error }) (store.PrivacyCharge, error) {
	var c store.PrivacyCharge
	var at int64
	err := sc.Scan(&c.ID, &c.Budget, &c.Fingerprint, &at, &c.Rho, &c.Epsilon, &c.Delta, &c.Purpose, &c.Measure, &c.Actor)
	c.At = fromMicros(at)
	return c, err
}

// ChargePrivacyBudget implements store.PrivacyBudgets. The writer is a single connection
// and its transactions begin IMMEDIATE, so the check and the append run under SQLite's
// write lock: no other charge, from this process or another, can slip in between.
func (s *Store) ChargePrivacyBudget(ctx context.Context, c store.PrivacyCharge, decide func(store.PrivacyBudget, store.PrivacySpend) error) (store.PrivacyCharge, bool, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	defer t.Rollback()
	b, err := getBudget(ctx, t, c.Budget)
	if err != nil {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	prev, err := scanCharge(t.QueryRowContext(ctx, "SELECT "+chargeCols+" FROM privacy_charges WHERE budget = ? AND fingerprint = ?", c.Budget, c.Fingerprint))
	if err == nil {
		return prev, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	sp, err := spent(ctx, t, b, c.At)
	if err != nil {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	if err := decide(b, sp); err != nil {
		return c, false, err
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO privacy_charges("+chargeCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Budget, c.Fingerprint, toMicros(c.At), c.Rho, c.Epsilon, c.Delta, c.Purpose, c.Measure, c.Actor); err != nil {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	if err := t.Commit(); err != nil {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	c.At = fromMicros(toMicros(c.At))
	return c, true, nil
}

// PrivacyCharges implements store.PrivacyBudgets.
func (s *Store) PrivacyCharges(ctx context.Context, budget string) ([]store.PrivacyCharge, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+chargeCols+" FROM privacy_charges WHERE budget = ? ORDER BY seq", budget)
	if err != nil {
		return nil, fmt.Errorf("privacy charges: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PrivacyCharge
	for rows.Next() {
		c, err := scanCharge(rows)
		if err != nil {
			return nil, fmt.Errorf("privacy charges: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// PutPrivacyRelease implements store.PrivacyBudgets.
func (s *Store) PutPrivacyRelease(ctx context.Context, r store.PrivacyRelease) error {
	if _, err := s.wc.ExecContext(ctx, "INSERT INTO privacy_releases(id, budget, fingerprint, charge_id, at, body) VALUES (?, ?, ?, ?, ?, ?)",
		r.ID, r.Budget, r.Fingerprint, r.ChargeID, toMicros(r.At), r.Body); err != nil {
		return fmt.Errorf("put privacy release: %w", mapErr(err))
	}
	return nil
}

const releaseCols = "id, budget, fingerprint, charge_id, at, body"

func scanRelease(sc interface{ Scan(...any) error }) (store.PrivacyRelease, error) {
	var r store.PrivacyRelease
	var at int64
	err := sc.Scan(&r.ID, &r.Budget, &r.Fingerprint, &r.ChargeID, &at, &r.Body)
	r.At = fromMicros(at)
	return r, err
}

// GetPrivacyRelease implements store.PrivacyBudgets.
func (s *Store) GetPrivacyRelease(ctx context.Context, budget, fingerprint string) (store.PrivacyRelease, error) {
	r, err := scanRelease(s.rc.QueryRowContext(ctx, "SELECT "+releaseCols+" FROM privacy_releases WHERE budget = ? AND fingerprint = ?", budget, fingerprint))
	if err != nil {
		return r, fmt.Errorf("privacy release: %w", mapErr(err))
	}
	return r, nil
}

// PrivacyReleaseByID implements store.PrivacyBudgets.
func (s *Store) PrivacyReleaseByID(ctx context.Context, id string) (store.PrivacyRelease, error) {
	r, err := scanRelease(s.rc.QueryRowContext(ctx, "SELECT "+releaseCols+" FROM privacy_releases WHERE id = ?", id))
	if err != nil {
		return r, fmt.Errorf("privacy release: %w", mapErr(err))
	}
	return r, nil
}

// PrivacyReleases implements store.PrivacyBudgets.
func (s *Store) PrivacyReleases(ctx context.Context, budget string, limit int) ([]store.PrivacyRelease, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+releaseCols+" FROM privacy_releases WHERE budget = ? ORDER BY seq DESC LIMIT ?", budget, limit)
	if err != nil {
		return nil, fmt.Errorf("privacy releases: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PrivacyRelease
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("privacy releases: %w", mapErr(err))
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}
