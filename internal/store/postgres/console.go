package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var (
	_ store.Console        = (*Store)(nil)
	_ store.ContactIndexer = tx{}
)

// IndexContacts implements store.ContactIndexer.
func (t tx) IndexContacts(ctx context.Context, links []store.IdentityLink) error {
	for _, l := range links {
		if _, err := t.q.Exec(ctx, `INSERT INTO identities(kind, hash, subject_id, origin_subject_id, created_at)
			VALUES ($1, $2, $3, $3, $4) ON CONFLICT (kind, hash) DO NOTHING`,
			l.Key.Kind, []byte(l.Key.Hash), l.SubjectID, l.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("index contacts: %w", mapErr(err))
		}
	}
	return nil
}

// AddIngestCounts implements store.Console.
func (s *Store) AddIngestCounts(ctx context.Context, counts []store.IngestCount) error {
	for _, c := range counts {
		if _, err := s.pool.Exec(ctx, `INSERT INTO ingest_counts(day, outcome, reason, n) VALUES ($1, $2, $3, $4)
			ON CONFLICT (day, outcome, reason) DO UPDATE SET n = ingest_counts.n + EXCLUDED.n`, c.Day, c.Outcome, c.Reason, c.N); err != nil {
			return fmt.Errorf("add ingest counts: %w", mapErr(err))
		}
	}
	return nil
}

// IngestCounts implements store.Console.
func (s *Store) IngestCounts(ctx context.Context, fromDay, toDay string) ([]store.IngestCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT day, outcome, reason, n FROM ingest_counts WHERE day >= $1 AND day <= $2
		ORDER BY day, outcome, reason`, fromDay, toDay)
	if err != nil {
		return nil, fmt.Errorf("ingest counts: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.IngestCount
	for rows.Next() {
		var c store.IngestCount
		if err := rows.Scan(&c.Day, &c.Outcome, &c.Reason, &c.N); err != nil {
			return nil, fmt.Errorf("ingest counts: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ConsentChoiceCounts implements store.Console (see the SQLite store for the window). The
// evidence is JSON written by encoding/json, so the message time is found by its key.
func (s *Store) ConsentChoiceCounts(ctx context.Context, from, to time.Time) ([]store.ConsentCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT purpose, day, COUNT(*) FILTER (WHERE granted), COUNT(*) FILTER (WHERE NOT granted) FROM (
		SELECT purpose, granted, LEAST(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
			COALESCE(substring(convert_from(evidence, 'UTF8') from '"message_time":"([0-9]{4}-[0-9]{2}-[0-9]{2})'), '9999-99-99')) AS day
		FROM consent_records WHERE at >= $1) c
		WHERE day >= $2 AND day < $3 GROUP BY purpose, day ORDER BY purpose, day`,
		from.UTC(), from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("consent choice counts: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.ConsentCount
	for rows.Next() {
		var c store.ConsentCount
		if err := rows.Scan(&c.Purpose, &c.Day, &c.Granted, &c.Withdrawn); err != nil {
			return nil, fmt.Errorf("consent choice counts: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// IdentityKinds implements store.Console.
func (s *Store) IdentityKinds(ctx context.Context, subjectID string) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT kind, COUNT(*) FROM identities WHERE subject_id = $1 GROUP BY kind", subjectID)
	if err != nil {
		return nil, fmt.Errorf("identity kinds: %w", mapErr(err))
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("identity kinds: %w", mapErr(err))
		}
		out[k] = n
	}
	return out, rows.Err()
}

// SetOperatorLogin implements store.Console.
func (s *Store) SetOperatorLogin(ctx context.Context, l store.OperatorLogin) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO operator_logins(operator_id, issuer, subject, email) VALUES ($1, $2, $3, $4)
		ON CONFLICT (operator_id) DO UPDATE SET issuer = EXCLUDED.issuer, subject = EXCLUDED.subject, email = EXCLUDED.email`,
		l.OperatorID, l.Issuer, l.Subject, strings.ToLower(l.Email)); err != nil {
		return fmt.Errorf("set operator login: %w", mapErr(err))
	}
	return nil
}

// OperatorLogins implements store.Console.
func (s *Store) OperatorLogins(ctx context.Context) ([]store.OperatorLogin, error) {
	rows, err := s.pool.Query(ctx, "SELECT operator_id, issuer, subject, email FROM operator_logins ORDER BY operator_id")
	if err != nil {
		return nil, fmt.Errorf("operator logins: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.OperatorLogin
	for rows.Next() {
		var l store.OperatorLogin
		if err := rows.Scan(&l.OperatorID, &l.Issuer, &l.Subject, &l.Email); err != nil {
			return nil, fmt.Errorf("operator logins: %w", mapErr(err))
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// OperatorByLogin implements store.Console.
func (s *Store) OperatorByLogin(ctx context.Context, issuer, subject, email string) (store.Operator, error) {
	var op store.Operator
	err := s.pool.QueryRow(ctx, `SELECT o.id, o.name, o.role, o.created_at FROM operator_logins l JOIN operators o ON o.id = l.operator_id
		WHERE (l.subject <> '' AND l.issuer = $1 AND l.subject = $2) OR (l.email <> '' AND $3 <> '' AND l.email = lower($3))
		ORDER BY (l.subject <> '' AND l.issuer = $1 AND l.subject = $2) DESC, o.id LIMIT 1`,
		issuer, subject, email).Scan(&op.ID, &op.Name, &op.Role, &op.CreatedAt)
	if err != nil {
		return op, fmt.Errorf("operator by login: %w", mapErr(err))
	}
	op.CreatedAt = utc(op.CreatedAt)
	return op, nil
}
