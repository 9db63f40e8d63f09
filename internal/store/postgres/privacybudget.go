package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.PrivacyBudgets = (*Store)(nil)

// CreatePrivacyBudget implements store.PrivacyBudgets.
func (s *Store) CreatePrivacyBudget(ctx context.Context, b store.PrivacyBudget) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		if _, err := t.Exec(ctx, "INSERT INTO privacy_budgets(name, consumer, created_at, created_by) VALUES ($1, $2, $3, $4)",
			b.Name, b.Consumer, b.CreatedAt, b.CreatedBy); err != nil {
			return err
		}
		return insertLimits(ctx, t, b.Name, b.Limits)
	})
	if err != nil {
		return fmt.Errorf("create privacy budget: %w", mapErr(err))
	}
	return nil
}

func insertLimits(ctx context.Context, t pgx.Tx, name string, l store.PrivacyLimits) error {
	_, err := t.Exec(ctx, "INSERT INTO privacy_budget_limits(budget, epsilon, delta, window_us, at, actor) VALUES ($1, $2, $3, $4, $5, $6)",
		name, l.Epsilon, l.Delta, l.Window.Microseconds(), l.At, l.Actor)
	return err
}

// AppendPrivacyLimits implements store.PrivacyBudgets.
func (s *Store) AppendPrivacyLimits(ctx context.Context, name string, l store.PrivacyLimits) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		var one int
		if err := t.QueryRow(ctx, "SELECT 1 FROM privacy_budgets WHERE name = $1", name).Scan(&one); err != nil {
			return err
		}
		return insertLimits(ctx, t, name, l)
	})
	if err != nil {
		return fmt.Errorf("append privacy limits: %w", mapErr(err))
	}
	return nil
}

// budgetSQL selects a budget with its latest limits.
const budgetSQL = `SELECT b.name, b.consumer, b.created_at, b.created_by, l.epsilon, l.delta, l.window_us, l.at, l.actor
	FROM privacy_budgets b JOIN LATERAL (SELECT * FROM privacy_budget_limits WHERE budget = b.name ORDER BY seq DESC LIMIT 1) l ON true`

func scanBudget(sc pgx.Row) (store.PrivacyBudget, error) {
	var b store.PrivacyBudget
	var window int64
	err := sc.Scan(&b.Name, &b.Consumer, &b.CreatedAt, &b.CreatedBy, &b.Limits.Epsilon, &b.Limits.Delta, &window, &b.Limits.At, &b.Limits.Actor)
	b.CreatedAt, b.Limits.At, b.Limits.Window = utc(b.CreatedAt), utc(b.Limits.At), time.Duration(window)*time.Microsecond
	return b, err
}

// GetPrivacyBudget implements store.PrivacyBudgets.
func (s *Store) GetPrivacyBudget(ctx context.Context, name string) (store.PrivacyBudget, error) {
	b, err := scanBudget(s.pool.QueryRow(ctx, budgetSQL+" WHERE b.name = $1", name))
	if err != nil {
		return b, fmt.Errorf("privacy budget: %w", mapErr(err))
	}
	return b, nil
}

// ListPrivacyBudgets implements store.PrivacyBudgets.
func (s *Store) ListPrivacyBudgets(ctx context.Context) ([]store.PrivacyBudget, error) {
	rows, err := s.pool.Query(ctx, budgetSQL+" ORDER BY b.name")
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
	rows, err := s.pool.Query(ctx, "SELECT epsilon, delta, window_us, at, actor FROM privacy_budget_limits WHERE budget = $1 ORDER BY seq", name)
	if err != nil {
		return nil, fmt.Errorf("privacy limits history: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PrivacyLimits
	for rows.Next() {
		var l store.PrivacyLimits
		var window int64
		if err := rows.Scan(&l.Epsilon, &l.Delta, &window, &l.At, &l.Actor); err != nil {
			return nil, fmt.Errorf("privacy limits history: %w", mapErr(err))
		}
		l.Window, l.At = time.Duration(window)*time.Microsecond, utc(l.At)
		out = append(out, l)
	}
	return out, mapErr(rows.Err())
}

// spent sums what counts against b at instant at: every charge while the window is the
// lifetime, else the charges with at - window < charge.at.
func spent(ctx context.Context, q querier, b store.PrivacyBudget, at time.Time) (store.PrivacySpend, error) {
	var sp store.PrivacySpend
	var err error
	if b.Limits.Window > 0 {
		err = q.QueryRow(ctx, `SELECT COALESCE(SUM(rho), 0), COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0), COUNT(*)
			FROM privacy_charges WHERE budget = $1 AND at > $2`, b.Name, at.Add(-b.Limits.Window)).Scan(&sp.Rho, &sp.Epsilon, &sp.Delta, &sp.Charges)
	} else {
		err = q.QueryRow(ctx, `SELECT COALESCE(SUM(rho), 0), COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0), COUNT(*)
			FROM privacy_charges WHERE budget = $1`, b.Name).Scan(&sp.Rho, &sp.Epsilon, &sp.Delta, &sp.Charges)
	}
	return sp, err
}

// PrivacySpent implements store.PrivacyBudgets.
func (s *Store) PrivacySpent(ctx context.Context, name string, at time.Time) (store.PrivacyBudget, store.PrivacySpend, error) {
	var b store.PrivacyBudget
	var sp store.PrivacySpend
	// REPEATABLE READ: the budget and its charges come from one snapshot.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(t pgx.Tx) error {
		var err error
		if b, err = scanBudget(t.QueryRow(ctx, budgetSQL+" WHERE b.name = $1", name)); err != nil {
			return err
		}
		sp, err = spent(ctx, t, b, at)
		return err
	})
	if err != nil {
		return b, sp, fmt.Errorf("privacy spent: %w", mapErr(err))
	}
	return b, sp, nil
}

const chargeCols = "id, budget, fingerprint, at, rho, epsilon, delta, purpose, measure, actor"

func scanCharge(sc pgx.Row) (store.PrivacyCharge, error) {
	var c store.PrivacyCharge
	err := sc.Scan(&c.ID, &c.Budget, &c.Fingerprint, &c.At, &c.Rho, &c.Epsilon, &c.Delta, &c.Purpose, &c.Measure, &c.Actor)
	c.At = utc(c.At)
	return c, err
}

// decideError carries decide's refusal out of the transaction untouched by mapErr.
type decideError struct{ err error }

func (e decideError) Error() string { return e.err.Error() }

// ChargePrivacyBudget implements store.PrivacyBudgets. SELECT ... FOR UPDATE on the
// budget's row serialises charges of one budget across connections and nodes; under READ
// COMMITTED each later statement takes a fresh snapshot, so the sum read after the lock
// includes every charge committed before it was granted.
func (s *Store) ChargePrivacyBudget(ctx context.Context, c store.PrivacyCharge, decide func(store.PrivacyBudget, store.PrivacySpend) error) (store.PrivacyCharge, bool, error) {
	got, fresh := c, false
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		var name string
		if err := t.QueryRow(ctx, "SELECT name FROM privacy_budgets WHERE name = $1 FOR UPDATE", c.Budget).Scan(&name); err != nil {
			return err
		}
		b, err := scanBudget(t.QueryRow(ctx, budgetSQL+" WHERE b.name = $1", c.Budget))
		if err != nil {
			return err
		}
		prev, err := scanCharge(t.QueryRow(ctx, "SELECT "+chargeCols+" FROM privacy_charges WHERE budget = $1 AND fingerprint = $2", c.Budget, c.Fingerprint))
		if err == nil {
			got = prev
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		sp, err := spent(ctx, t, b, c.At)
		if err != nil {
			return err
		}
		if err := decide(b, sp); err != nil {
			return decideError{err}
		}
		if _, err := t.Exec(ctx, "INSERT INTO privacy_charges("+chargeCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			c.ID, c.Budget, c.Fingerprint, c.At, c.Rho, c.Epsilon, c.Delta, c.Purpose, c.Measure, c.Actor); err != nil {
			return err
		}
		got, fresh = c, true
		got.At = utc(c.At.Truncate(time.Microsecond))
		return nil
	})
	var de decideError
	if errors.As(err, &de) {
		return c, false, de.err
	}
	if err != nil {
		return c, false, fmt.Errorf("charge privacy budget: %w", mapErr(err))
	}
	return got, fresh, nil
}

// PrivacyCharges implements store.PrivacyBudgets.
func (s *Store) PrivacyCharges(ctx context.Context, budget string) ([]store.PrivacyCharge, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+chargeCols+" FROM privacy_charges WHERE budget = $1 ORDER BY seq", budget)
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
	if _, err := s.pool.Exec(ctx, "INSERT INTO privacy_releases(id, budget, fingerprint, charge_id, at, body) VALUES ($1, $2, $3, $4, $5, $6)",
		r.ID, r.Budget, r.Fingerprint, r.ChargeID, r.At, r.Body); err != nil {
		return fmt.Errorf("put privacy release: %w", mapErr(err))
	}
	return nil
}

const releaseCols = "id, budget, fingerprint, charge_id, at, body"

func scanRelease(sc pgx.Row) (store.PrivacyRelease, error) {
	var r store.PrivacyRelease
	err := sc.Scan(&r.ID, &r.Budget, &r.Fingerprint, &r.ChargeID, &r.At, &r.Body)
	r.At = utc(r.At)
	return r, err
}

// GetPrivacyRelease implements store.PrivacyBudgets.
func (s *Store) GetPrivacyRelease(ctx context.Context, budget, fingerprint string) (store.PrivacyRelease, error) {
	r, err := scanRelease(s.pool.QueryRow(ctx, "SELECT "+releaseCols+" FROM privacy_releases WHERE budget = $1 AND fingerprint = $2", budget, fingerprint))
	if err != nil {
		return r, fmt.Errorf("privacy release: %w", mapErr(err))
	}
	return r, nil
}

// PrivacyReleaseByID implements store.PrivacyBudgets.
func (s *Store) PrivacyReleaseByID(ctx context.Context, id string) (store.PrivacyRelease, error) {
	r, err := scanRelease(s.pool.QueryRow(ctx, "SELECT "+releaseCols+" FROM privacy_releases WHERE id = $1", id))
	if err != nil {
		return r, fmt.Errorf("privacy release: %w", mapErr(err))
	}
	return r, nil
}

// PrivacyReleases implements store.PrivacyBudgets.
func (s *Store) PrivacyReleases(ctx context.Context, budget string, limit int) ([]store.PrivacyRelease, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+releaseCols+" FROM privacy_releases WHERE budget = $1 ORDER BY seq DESC LIMIT $2", budget, limit)
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
