package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var (
	_ store.Algorithms  = (*Store)(nil)
	_ store.PriceQuotes = (*Store)(nil)
)

// PutAlgorithm implements store.Algorithms.
func (s *Store) PutAlgorithm(ctx context.Context, r store.AlgorithmRecord) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO algorithms(id, spec, actor, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET spec = excluded.spec, actor = excluded.actor, updated_at = excluded.updated_at`,
		r.ID, r.Spec, r.Actor, toMicros(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put algorithm: %w", mapErr(err))
	}
	return nil
}

// AlgorithmRecords implements store.Algorithms.
func (s *Store) AlgorithmRecords(ctx context.Context) ([]store.AlgorithmRecord, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT id, spec, actor, updated_at FROM algorithms ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("algorithms: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.AlgorithmRecord
	for rows.Next() {
		var r store.AlgorithmRecord
		var at int64
		if err := rows.Scan(&r.ID, &r.Spec, &r.Actor, &at); err != nil {
			return nil, fmt.Errorf("algorithms: %w", mapErr(err))
		}
		r.UpdatedAt = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddAlgorithmAssessment implements store.Algorithms.
func (s *Store) AddAlgorithmAssessment(ctx context.Context, a store.AlgorithmAssessment) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO algorithm_assessments(id, algorithm, reviewed_at, next_due, reviewer, outcome, summary, reference)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Algorithm, toMicros(a.ReviewedAt), toMicros(a.NextDue), a.Reviewer, a.Outcome, a.Summary, a.Reference)
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
		q += " WHERE algorithm = ?"
		args = append(args, algorithm)
	}
	rows, err := s.rc.QueryContext(ctx, q+" ORDER BY reviewed_at DESC, seq DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("algorithm assessments: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.AlgorithmAssessment
	for rows.Next() {
		var a store.AlgorithmAssessment
		var reviewed, due int64
		if err := rows.Scan(&a.ID, &a.Algorithm, &reviewed, &due, &a.Reviewer, &a.Outcome, &a.Summary, &a.Reference); err != nil {
			return nil, fmt.Errorf("algorithm assessments: %w", mapErr(err))
		}
		a.ReviewedAt, a.NextDue = fromMicros(reviewed), fromMicros(due)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddPriceQuote implements store.PriceQuotes. Rule names are kept one per line (a name
// holds no newline: the pricing package refuses one).
func (s *Store) AddPriceQuote(ctx context.Context, q store.PriceQuote) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO price_quotes(id, at, item, channel, currency, base_price, price, personalised,
		tenure_band, device_class, spend_band, jurisdiction, rules) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, toMicros(q.At), q.Item, q.Channel, q.Currency, q.BasePrice, q.Price, q.Personalised, q.TenureBand, q.DeviceClass,
		q.SpendBand, q.Jurisdiction, strings.Join(q.Rules, "\n"))
	if err != nil {
		return fmt.Errorf("add price quote: %w", mapErr(err))
	}
	return nil
}

const quoteColumns = "id, at, item, channel, currency, base_price, price, personalised, tenure_band, device_class, spend_band, jurisdiction, rules"

func scanQuote(sc interface{ Scan(...any) error }) (store.PriceQuote, error) {
	var q store.PriceQuote
	var at int64
	var rules string
	err := sc.Scan(&q.ID, &at, &q.Item, &q.Channel, &q.Currency, &q.BasePrice, &q.Price, &q.Personalised, &q.TenureBand,
		&q.DeviceClass, &q.SpendBand, &q.Jurisdiction, &rules)
	q.At = fromMicros(at)
	if rules != "" {
		q.Rules = strings.Split(rules, "\n")
	}
	return q, err
}

// PriceQuote implements store.PriceQuotes.
func (s *Store) PriceQuote(ctx context.Context, id string) (store.PriceQuote, error) {
	q, err := scanQuote(s.rc.QueryRowContext(ctx, "SELECT "+quoteColumns+" FROM price_quotes WHERE id = ?", id))
	if err != nil {
		return q, fmt.Errorf("price quote: %w", mapErr(err))
	}
	return q, nil
}

// PriceQuotes implements store.PriceQuotes.
func (s *Store) PriceQuotes(ctx context.Context, from, to time.Time, limit int) ([]store.PriceQuote, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+quoteColumns+" FROM price_quotes WHERE at >= ? AND at < ? ORDER BY at, seq LIMIT ?",
		toMicros(from), toMicros(to), limit)
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
