package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

var (
	_ store.Algorithms  = (*Store)(nil)
	_ store.PriceQuotes = (*Store)(nil)
)

// PutAlgorithm implements store.Algorithms.
func (s *Store) PutAlgorithm(ctx context.Context, r store.AlgorithmRecord) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO algorithms(id, spec, actor, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, actor = excluded.actor, updated_at = excluded.updated_at`,
		r.ID, r.Spec, r.Actor, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put algorithm: %w", mapErr(err))
	}
	return nil
}

// AlgorithmRecords implements store.Algorithms.
func (s *Store) AlgorithmRecords(ctx context.Context) ([]store.AlgorithmRecord, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, spec, actor, updated_at FROM algorithms ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("algorithms: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.AlgorithmRecord
	for rows.Next() {
		var r store.AlgorithmRecord
		if err := rows.Scan(&r.ID, &r.Spec, &r.Actor, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("algorithms: %w", mapErr(err))
		}
		r.UpdatedAt = utc(r.UpdatedAt)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddAlgorithmAssessment implements store.Algorithms.
func (s *Store) AddAlgorithmAssessment(ctx context.Context, a store.AlgorithmAssessment) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO algorithm_assessments(id, algorithm, reviewed_at, next_due, reviewer, outcome, summary, reference)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.Algorithm, a.ReviewedAt, a.NextDue, a.Reviewer, a.Outcome, a.Summary, a.Reference)
	if err != nil {
		return fmt.Errorf("add algorithm assessment: %w", mapErr(err))
	}
	return nil
}

// AlgorithmAssessments implements store.Algorithms.
func (s *Store) AlgorithmAssessments(ctx context.Context, algorithm string) ([]store.AlgorithmAssessment, error) {
	q := "SELECT id, algorithm, reviewed_at, next_due, reviewer, outcome, summary, reference FROM algorithm_assessments"
	args := []any{}
	if algorithm != "" {
		q += " WHERE algorithm = $1"
		args = append(args, algorithm)
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY reviewed_at DESC, seq DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("algorithm assessments: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.AlgorithmAssessment
	for rows.Next() {
		var a store.AlgorithmAssessment
		if err := rows.Scan(&a.ID, &a.Algorithm, &a.ReviewedAt, &a.NextDue, &a.Reviewer, &a.Outcome, &a.Summary, &a.Reference); err != nil {
			return nil, fmt.Errorf("algorithm assessments: %w", mapErr(err))
		}
		a.ReviewedAt, a.NextDue = utc(a.ReviewedAt), utc(a.NextDue)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddPriceQuote implements store.PriceQuotes.
func (s *Store) AddPriceQuote(ctx context.Context, q store.PriceQuote) error {
	rules := q.Rules
	if rules == nil {
		rules = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO price_quotes(id, at, item, channel, currency, base_price, price, personalised,
		tenure_band, device_class, spend_band, jurisdiction, rules) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		q.ID, q.At, q.Item, q.Channel, q.Currency, q.BasePrice, q.Price, q.Personalised, q.TenureBand, q.DeviceClass,
		q.SpendBand, q.Jurisdiction, rules)
	if err != nil {
		return fmt.Errorf("add price quote: %w", mapErr(err))
	}
	return nil
}

const quoteColumns = "id, at, item, channel, currency, base_price, price, personalised, tenure_band, device_class, spend_band, jurisdiction, rules"

func scanQuote(sc pgx.Row) (store.PriceQuote, error) {
	var q store.PriceQuote
	err := sc.Scan(&q.ID, &q.At, &q.Item, &q.Channel, &q.Currency, &q.BasePrice, &q.Price, &q.Personalised, &q.TenureBand,
		&q.DeviceClass, &q.SpendBand, &q.Jurisdiction, &q.Rules)
	q.At = utc(q.At)
	if len(q.Rules) == 0 {
		q.Rules = nil
	}
	return q, err
}

// PriceQuote implements store.PriceQuotes.
func (s *Store) PriceQuote(ctx context.Context, id string) (store.PriceQuote, error) {
	q, err := scanQuote(s.pool.QueryRow(ctx, "SELECT "+quoteColumns+" FROM price_quotes WHERE id = $1", id))
	if err != nil {
		return q, fmt.Errorf("price quote: %w", mapErr(err))
	}
	return q, nil
}

// PriceQuotes implements store.PriceQuotes.
func (s *Store) PriceQuotes(ctx context.Context, from, to time.Time, limit int) ([]store.PriceQuote, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+quoteColumns+" FROM price_quotes WHERE at >= $1 AND at < $2 ORDER BY at, seq LIMIT $3", from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("price quotes: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.PriceQuote
	for rows.Next() {
		q, err := scanQuote(rows)
		if err != nil {
			return nil, fmt.Errorf("price quotes: %w", mapErr(err))
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
