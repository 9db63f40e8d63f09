package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.Equity = (*Store)(nil)

const pointsCols = "id, subject_id, kind, period, points, tier, reason, at"

// EarnPoints implements store.Equity.
func (s *Store) EarnPoints(ctx context.Context, e store.PointsEntry) (bool, error) {
	tag, err := s.pool.Exec(ctx, "INSERT INTO points_entries("+pointsCols+") VALUES ($1, $2, 'earn', $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
		e.ID, e.SubjectID, e.Period, e.Points, e.Tier, e.Reason, e.At.UTC())
	if err != nil {
		return false, fmt.Errorf("earn points: %w", mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}

// PointsEntries implements store.Equity.
func (s *Store) PointsEntries(ctx context.Context, subjectID string) ([]store.PointsEntry, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+pointsCols+" FROM points_entries WHERE subject_id = $1 ORDER BY seq", subjectID)
	if err != nil {
		return nil, fmt.Errorf("points: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PointsEntry
	for rows.Next() {
		var e store.PointsEntry
		if err := rows.Scan(&e.ID, &e.SubjectID, &e.Kind, &e.Period, &e.Points, &e.Tier, &e.Reason, &e.At); err != nil {
			return nil, err
		}
		e.At = utc(e.At)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Redeem implements store.Equity: a transaction-scoped advisory lock on the person
// serialises redemptions from every node, so two cannot spend the same points.
func (s *Store) Redeem(ctx context.Context, spend store.PointsEntry, sub *store.Subscription) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('points:' || $1, 0))", spend.SubjectID); err != nil {
			return err
		}
		var balance int64
		if err := t.QueryRow(ctx, `SELECT COALESCE(SUM(CASE kind WHEN 'earn' THEN points ELSE -points END), 0)
			FROM points_entries WHERE subject_id = $1`, spend.SubjectID).Scan(&balance); err != nil {
			return err
		}
		if balance < spend.Points {
			return fmt.Errorf("%w: %d held, %d asked", store.ErrInsufficientPoints, balance, spend.Points)
		}
		if _, err := t.Exec(ctx, "INSERT INTO points_entries("+pointsCols+") VALUES ($1, $2, 'spend', '', $3, $4, $5, $6)",
			spend.ID, spend.SubjectID, spend.Points, spend.Tier, spend.Reason, spend.At.UTC()); err != nil {
			return err
		}
		if sub != nil {
			return insertSubscription(ctx, t, *sub)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redeem: %w", mapErr(err))
	}
	return nil
}

func insertSubscription(ctx context.Context, t pgx.Tx, sub store.Subscription) error {
	_, err := t.Exec(ctx, "INSERT INTO subscriptions(id, subject_id, starts_at, ends_at, source, ref, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		sub.ID, sub.SubjectID, sub.StartsAt.UTC(), sub.EndsAt.UTC(), sub.Source, sub.Ref, sub.CreatedAt.UTC())
	return err
}

// AddSubscription implements store.Equity.
func (s *Store) AddSubscription(ctx context.Context, sub store.Subscription) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return insertSubscription(ctx, t, sub) })
	if err != nil {
		return fmt.Errorf("subscription: %w", mapErr(err))
	}
	return nil
}

const subCols = "id, subject_id, starts_at, ends_at, source, ref, created_at, closed"

func scanSubs(rows pgx.Rows) ([]store.Subscription, error) {
	defer rows.Close()
	var out []store.Subscription
	for rows.Next() {
		var sub store.Subscription
		if err := rows.Scan(&sub.ID, &sub.SubjectID, &sub.StartsAt, &sub.EndsAt, &sub.Source, &sub.Ref, &sub.CreatedAt, &sub.Closed); err != nil {
			return nil, err
		}
		sub.StartsAt, sub.EndsAt, sub.CreatedAt = utc(sub.StartsAt), utc(sub.EndsAt), utc(sub.CreatedAt)
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Subscriptions implements store.Equity.
func (s *Store) Subscriptions(ctx context.Context, subjectID string) ([]store.Subscription, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+subCols+" FROM subscriptions WHERE subject_id = $1 ORDER BY starts_at, id", subjectID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", mapErr(err))
	}
	return scanSubs(rows)
}

// EndedSubscriptions implements store.Equity.
func (s *Store) EndedSubscriptions(ctx context.Context, now time.Time, limit int) ([]store.Subscription, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+subCols+" FROM subscriptions WHERE NOT closed AND ends_at <= $1 ORDER BY ends_at LIMIT $2", now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("ended subscriptions: %w", mapErr(err))
	}
	return scanSubs(rows)
}

// CloseSubscription implements store.Equity.
func (s *Store) CloseSubscription(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, "UPDATE subscriptions SET closed = true WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("close subscription: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("close subscription: %w", store.ErrNotFound)
	}
	return nil
}
