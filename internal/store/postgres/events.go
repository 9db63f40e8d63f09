package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stewardhq/steward/internal/store"
)

// InsertEvents implements store.Store. The whole batch travels as column arrays in one
// statement (one round trip); unnest turns them back into rows and ON CONFLICT skips
// messages the subject already has (their key, store.EventKey), which keeps retries
// idempotent. events is partitioned by subject, so the key is unique per subject
// (migration 0026).
func (s *Store) InsertEvents(ctx context.Context, events []store.Event) (int, error) {
	return insertEvents(ctx, s.pool, events)
}

// querier is what the pool and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func insertEvents(ctx context.Context, q querier, events []store.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	for i := range events {
		e := &events[i]
		// Only the message id's key is stored, so PostgreSQL would not refuse bad text in it:
		// check here, as SQLite does, so both answer ErrInvalid and store nothing.
		if err := store.CheckText("insert events", e.SourceID, e.MessageID, e.SubjectID, e.OriginSubjectID, e.Type, e.Name); err != nil {
			return 0, err
		}
	}
	n := len(events)
	sub := make([]string, n)
	orig := make([]*string, n)
	msg := make([][]byte, n)
	typ := make([]string, n)
	name := make([]string, n)
	occ := make([]time.Time, n)
	rec := make([]time.Time, n)
	body := make([][]byte, n)
	for i, e := range events {
		sub[i], typ[i], name[i], msg[i] = e.SubjectID, e.Type, e.Name, store.EventKey(e.SourceID, e.MessageID)
		// NULL origin: the event still belongs to the subject it first resolved to.
		if e.OriginSubjectID != "" && e.OriginSubjectID != e.SubjectID {
			orig[i] = &events[i].OriginSubjectID
		}
		occ[i], rec[i], body[i] = e.OccurredAt, e.ReceivedAt, e.Body
	}
	tag, err := q.Exec(ctx, `INSERT INTO events(subject_id, origin_subject_id, msg, type, name, occurred_at, received_at, body)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::bytea[])
		ON CONFLICT (msg, subject_id) DO NOTHING`,
		sub, orig, msg, typ, name, occ, rec, body)
	if err != nil {
		return 0, fmt.Errorf("insert events: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// CountEvents implements store.Store.
func (s *Store) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", mapErr(err))
	}
	return n, nil
}

// RawSubjectEvents implements store.Store. SourceID and MessageID are not kept (only their
// key) and come back empty.
func (s *Store) RawSubjectEvents(ctx context.Context, subjectID string, after int64, limit int) ([]store.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, subject_id, COALESCE(origin_subject_id, subject_id), type, name, occurred_at, received_at, body
		FROM events WHERE subject_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, subjectID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("subject events: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		if err := rows.Scan(&e.Seq, &e.SubjectID, &e.OriginSubjectID, &e.Type, &e.Name, &e.OccurredAt, &e.ReceivedAt, &e.Body); err != nil {
			return nil, fmt.Errorf("subject events: %w", mapErr(err))
		}
		e.OccurredAt, e.ReceivedAt = utc(e.OccurredAt), utc(e.ReceivedAt)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subject events: %w", mapErr(err))
	}
	return out, nil
}
