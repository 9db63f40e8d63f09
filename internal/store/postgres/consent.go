package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

const consentCols = "seq, id, subject_id, purpose, granted, notice_version, notice_hash, method, jurisdiction, at, evidence, actor"

// AppendConsent implements store.Store.
func (s *Store) AppendConsent(ctx context.Context, records []store.ConsentRecord) error {
	if len(records) == 0 {
		return nil
	}
	for _, r := range records {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return appendConsent(ctx, t, records) })
	if err != nil {
		return fmt.Errorf("append consent: %w", mapErr(err))
	}
	return nil
}

func (t tx) AppendConsent(ctx context.Context, records []store.ConsentRecord) error {
	for _, r := range records {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	return appendConsent(ctx, t.q, records)
}

// appendConsent sends a batch as column arrays in one statement (one round trip).
func appendConsent(ctx context.Context, q querier, records []store.ConsentRecord) error {
	n := len(records)
	ids, subs, purposes, nv, nh, methods, jur, actors := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	granted, at, ev := make([]bool, n), make([]time.Time, n), make([][]byte, n)
	for i, r := range records {
		ids[i], subs[i], purposes[i], nv[i], nh[i], methods[i], jur[i], actors[i] = r.ID, r.SubjectID, r.Purpose, r.NoticeVersion, r.NoticeHash, r.Method, r.Jurisdiction, r.Actor
		granted[i], at[i], ev[i] = r.Granted, r.At, r.Evidence
		if len(ev[i]) == 0 {
			ev[i] = []byte("{}")
		}
	}
	_, err := q.Exec(ctx, `INSERT INTO consent_records(id, subject_id, purpose, granted, notice_version, notice_hash, method, jurisdiction, at, evidence, actor)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::bytea[], $11::text[])`,
		ids, subs, purposes, granted, nv, nh, methods, jur, at, ev, actors)
	if err != nil {
		return fmt.Errorf("append consent: %w", mapErr(err))
	}
	return nil
}

// ConsentHistory implements store.Store.
func (s *Store) ConsentHistory(ctx context.Context, subjectID string) ([]store.ConsentRecord, error) {
	m, err := s.ConsentHistories(ctx, []string{subjectID})
	return m[subjectID], err
}

// ConsentHistories implements store.Store.
func (s *Store) ConsentHistories(ctx context.Context, subjectIDs []string) (map[string][]store.ConsentRecord, error) {
	out := map[string][]store.ConsentRecord{}
	if len(subjectIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, "SELECT "+consentCols+" FROM consent_records WHERE subject_id = ANY($1) ORDER BY at, seq", subjectIDs)
	if err != nil {
		return nil, fmt.Errorf("consent history: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r store.ConsentRecord
		if err := rows.Scan(&r.Seq, &r.ID, &r.SubjectID, &r.Purpose, &r.Granted, &r.NoticeVersion, &r.NoticeHash, &r.Method, &r.Jurisdiction, &r.At, &r.Evidence, &r.Actor); err != nil {
			return nil, fmt.Errorf("consent history: %w", mapErr(err))
		}
		r.At = utc(r.At)
		out[r.SubjectID] = append(out[r.SubjectID], r)
	}
	return out, rows.Err()
}

// ConsentCounts implements store.Store.
func (s *Store) ConsentCounts(ctx context.Context, from, to time.Time) ([]store.ConsentCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT purpose, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
		COUNT(*) FILTER (WHERE granted), COUNT(*) FILTER (WHERE NOT granted)
		FROM consent_records WHERE at >= $1 AND at < $2 GROUP BY purpose, day ORDER BY purpose, day`, from, to)
	if err != nil {
		return nil, fmt.Errorf("consent counts: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.ConsentCount
	for rows.Next() {
		var c store.ConsentCount
		if err := rows.Scan(&c.Purpose, &c.Day, &c.Granted, &c.Withdrawn); err != nil {
			return nil, fmt.Errorf("consent counts: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
