package sqlite

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
		if _, err := t.q.ExecContext(ctx, `INSERT INTO identities(kind, hash, subject_id, origin_subject_id, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, hash) DO NOTHING`,
			l.Key.Kind, []byte(l.Key.Hash), l.SubjectID, l.SubjectID, toMicros(l.CreatedAt)); err != nil {
			return fmt.Errorf("index contacts: %w", mapErr(err))
		}
	}
	return nil
}

// AddIngestCounts implements store.Console.
func (s *Store) AddIngestCounts(ctx context.Context, counts []store.IngestCount) error {
	for _, c := range counts {
		if _, err := s.wc.ExecContext(ctx, `INSERT INTO ingest_counts(day, outcome, reason, n) VALUES (?, ?, ?, ?)
			ON CONFLICT(day, outcome, reason) DO UPDATE SET n = n + excluded.n`, c.Day, c.Outcome, c.Reason, c.N); err != nil {
			return fmt.Errorf("add ingest counts: %w", mapErr(err))
		}
	}
	return nil
}

// IngestCounts implements store.Console.
func (s *Store) IngestCounts(ctx context.Context, fromDay, toDay string) ([]store.IngestCount, error) {
	rows, err := s.rc.QueryContext(ctx, `SELECT day, outcome, reason, n FROM ingest_counts WHERE day >= ? AND day <= ?
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

// ConsentChoiceCounts implements store.Console. A choice is never counted later than its
// record arrived, and a choice made before from arrived at or after from, so only records
// that arrived since from are read.
func (s *Store) ConsentChoiceCounts(ctx context.Context, from, to time.Time) ([]store.ConsentCount, error) {
	rows, err := s.rc.QueryContext(ctx, `SELECT purpose, day, SUM(granted), SUM(1 - granted) FROM (
		SELECT purpose, granted, MIN(strftime('%Y-%m-%d', at / 1000000, 'unixepoch'),
			COALESCE(substr(json_extract(CASE WHEN json_valid(CAST(evidence AS TEXT)) THEN CAST(evidence AS TEXT) END, '$.message_time'), 1, 10), '9999-99-99')) AS day
		FROM consent_records WHERE at >= ?)
		WHERE day >= ? AND day < ? GROUP BY purpose, day ORDER BY purpose, day`,
		toMicros(from), from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
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
	rows, err := s.rc.QueryContext(ctx, "SELECT kind, COUNT(*) FROM identities WHERE subject_id = ? GROUP BY kind", subjectID)
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
	if _, err := s.wc.ExecContext(ctx, `INSERT INTO operator_logins(operator_id, issuer, subject, email) VALUES (?, ?, ?, ?)
		ON CONFLICT(operator_id) DO UPDATE SET issuer = excluded.issuer, subject = excluded.subject, email = excluded.email`,
		l.OperatorID, l.Issuer, l.Subject, strings.ToLower(l.Email)); err != nil {
		return fmt.Errorf("set operator login: %w", mapErr(err))
	}
	return nil
}

// OperatorLogins implements store.Console.
func (s *Store) OperatorLogins(ctx context.Context) ([]store.OperatorLogin, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT operator_id, issuer, subject, email FROM operator_logins ORDER BY operator_id")
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
	var created int64
	err := s.rc.QueryRowContext(ctx, `SELECT o.id, o.name, o.role, o.created_at FROM operator_logins l JOIN operators o ON o.id = l.operator_id
		WHERE (l.subject <> '' AND l.issuer = ? AND l.subject = ?) OR (l.email <> '' AND ? <> '' AND l.email = ?)
		ORDER BY (l.subject <> '' AND l.issuer = ? AND l.subject = ?) DESC, o.id LIMIT 1`,
		issuer, subject, email, strings.ToLower(email), issuer, subject).Scan(&op.ID, &op.Name, &op.Role, &created)
	if err != nil {
		return op, fmt.Errorf("operator by login: %w", mapErr(err))
	}
	op.CreatedAt = fromMicros(created)
	return op, nil
}
