package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.Equity = (*Store)(nil)

const pointsCols = "id, subject_id, kind, period, points, tier, reason, at"

// EarnPoints implements store.Equity.
func (s *Store) EarnPoints(ctx context.Context, e store.PointsEntry) (bool, error) {
	res, err := s.wc.ExecContext(ctx, "INSERT INTO points_entries("+pointsCols+") VALUES (?, ?, 'earn', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		e.ID, e.SubjectID, e.Period, e.Points, e.Tier, e.Reason, toMicros(e.At))
	if err != nil {
		return false, fmt.Errorf("earn points: %w", mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// PointsEntries implements store.Equity.
func (s *Store) PointsEntries(ctx context.Context, subjectID string) ([]store.PointsEntry, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+pointsCols+" FROM points_entries WHERE subject_id = ? ORDER BY seq", subjectID)
	if err != nil {
		return nil, fmt.Errorf("points: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PointsEntry
	for rows.Next() {
		var e store.PointsEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.SubjectID, &e.Kind, &e.Period, &e.Points, &e.Tier, &e.Reason, &at); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Redeem implements store.Equity: the balance is read and the spend written on the single
// writer, so two redemptions cannot both spend the same points.
func (s *Store) Redeem(ctx context.Context, spend store.PointsEntry, sub *store.Subscription) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("redeem: %w", mapErr(err))
	}
	defer t.Rollback()
	var balance int64
	if err := t.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE kind WHEN 'earn' THEN points ELSE -points END), 0)
		FROM points_entries WHERE subject_id = ?`, spend.SubjectID).Scan(&balance); err != nil {
		return fmt.Errorf("redeem: %w", mapErr(err))
	}
	if balance < spend.Points {
		return fmt.Errorf("redeem: %w: %d held, %d asked", store.ErrInsufficientPoints, balance, spend.Points)
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO points_entries("+pointsCols+") VALUES (?, ?, 'spend', '', ?, ?, ?, ?)",
		spend.ID, spend.SubjectID, spend.Points, spend.Tier, spend.Reason, toMicros(spend.At)); err != nil {
		return fmt.Errorf("redeem: %w", mapErr(err))
	}
	if sub != nil {
		if err := insertSubscription(ctx, t, *sub); err != nil {
			return err
		}
	}
	return mapErr(t.Commit())
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func insertSubscription(ctx context.Context, x execer, sub store.Subscription) error {
	if _, err := x.ExecContext(ctx, "INSERT INTO subscriptions(id, subject_id, starts_at, ends_at, source, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		sub.ID, sub.SubjectID, toMicros(sub.StartsAt), toMicros(sub.EndsAt), sub.Source, sub.Ref, toMicros(sub.CreatedAt)); err != nil {
		return fmt.Errorf("subscription: %w", mapErr(err))
	}
	return nil
}

// AddSubscription implements store.Equity.
func (s *Store) AddSubscription(ctx context.Context, sub store.Subscription) error {
	return insertSubscription(ctx, s.wc, sub)
}

const subCols = "id, subject_id, starts_at, ends_at, source, ref, created_at, closed"

func scanSubs(rows *sql.Rows) ([]store.Subscription, error) {
	defer rows.Close()
	var out []store.Subscription
	for rows.Next() {
		var sub store.Subscription
		var st, en, cr, closed int64
		if err := rows.Scan(&sub.ID, &sub.SubjectID, &st, &en, &sub.Source, &sub.Ref, &cr, &closed); err != nil {
			return nil, err
		}
		sub.StartsAt, sub.EndsAt, sub.CreatedAt, sub.Closed = fromMicros(st), fromMicros(en), fromMicros(cr), closed != 0
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Subscriptions implements store.Equity.
func (s *Store) Subscriptions(ctx context.Context, subjectID string) ([]store.Subscription, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+subCols+" FROM subscriptions WHERE subject_id = ? ORDER BY starts_at, id", subjectID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", mapErr(err))
	}
	return scanSubs(rows)
}

// EndedSubscriptions implements store.Equity.
func (s *Store) EndedSubscriptions(ctx context.Context, now time.Time, limit int) ([]store.Subscription, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+subCols+" FROM subscriptions WHERE closed = 0 AND ends_at <= ? ORDER BY ends_at LIMIT ?", toMicros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("ended subscriptions: %w", mapErr(err))
	}
	return scanSubs(rows)
}

// CloseSubscription implements store.Equity.
func (s *Store) CloseSubscription(ctx context.Context, id string) error {
	res, err := s.wc.ExecContext(ctx, "UPDATE subscriptions SET closed = 1 WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("close subscription: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("close subscription: %w", store.ErrNotFound)
	}
	return nil
}
