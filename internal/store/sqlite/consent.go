package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append consent: %w", mapErr(err))
	}
	defer t.Rollback()
	if err := appendConsent(ctx, t, records); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
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

// consentChunk records go into one multi-row INSERT (11 parameters each, well under
// SQLite's limit of 32,766).
const consentChunk = 200

func appendConsent(ctx context.Context, q querier, records []store.ConsentRecord) error {
	for start := 0; start < len(records); start += consentChunk {
		chunk := records[start:min(start+consentChunk, len(records))]
		var b strings.Builder
		b.WriteString("INSERT INTO consent_records(id, subject_id, purpose, granted, notice_version, notice_hash, method, jurisdiction, at, evidence, actor) VALUES ")
		args := make([]any, 0, len(chunk)*11)
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
			ev := r.Evidence
			if len(ev) == 0 {
				ev = []byte("{}")
			}
			g := 0
			if r.Granted {
				g = 1
			}
			args = append(args, r.ID, r.SubjectID, r.Purpose, g, r.NoticeVersion, r.NoticeHash, r.Method, r.Jurisdiction, toMicros(r.At), ev, r.Actor)
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("append consent: %w", mapErr(err))
		}
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
	args := make([]any, len(subjectIDs))
	for i, id := range subjectIDs {
		args[i] = id
	}
	rows, err := s.rc.QueryContext(ctx, "SELECT "+consentCols+" FROM consent_records WHERE subject_id IN (?"+strings.Repeat(",?", len(subjectIDs)-1)+") ORDER BY subject_id, at, seq", args...)
	if err != nil {
		return nil, fmt.Errorf("consent history: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r store.ConsentRecord
		var g int
		var at int64
		if err := rows.Scan(&r.Seq, &r.ID, &r.SubjectID, &r.Purpose, &g, &r.NoticeVersion, &r.NoticeHash, &r.Method, &r.Jurisdiction, &at, &r.Evidence, &r.Actor); err != nil {
			return nil, fmt.Errorf("consent history: %w", mapErr(err))
		}
		r.Granted, r.At = g == 1, fromMicros(at)
		out[r.SubjectID] = append(out[r.SubjectID], r)
	}
	return out, rows.Err()
}

// ConsentCounts implements store.Store.
func (s *Store) ConsentCounts(ctx context.Context, from, to time.Time) ([]store.ConsentCount, error) {
	rows, err := s.rc.QueryContext(ctx, `SELECT purpose, strftime('%Y-%m-%d', at / 1000000, 'unixepoch') AS day,
		SUM(granted), SUM(1 - granted) FROM consent_records WHERE at >= ? AND at < ? GROUP BY purpose, day ORDER BY purpose, day`,
		toMicros(from), toMicros(to))
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
