package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"

	"github.com/stewardhq/steward/internal/store"
)

// eventChunk rows go into one multi-row INSERT: far fewer statement executions than one
// per row, and well under SQLite's limit on bound variables (32766).
const eventChunk = 200

const eventCols = 8

func init() {
	// Migration 0027 computes the key of rows stored before it in SQL.
	sqlite.MustRegisterDeterministicScalarFunction("steward_event_key", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		src, _ := args[0].(string)
		msg, _ := args[1].(string)
		return store.EventKey(src, msg), nil
	})
}

// querier is what *sql.DB and *sql.Tx share, so one function serves both the store and
// a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// InsertEvents implements store.Store.
func (s *Store) InsertEvents(ctx context.Context, events []store.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("insert events: %w", mapErr(err))
	}
	defer tx.Rollback()
	inserted, err := insertEvents(ctx, tx, events)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("insert events: %w", mapErr(err))
	}
	return inserted, nil
}

func insertEvents(ctx context.Context, tx querier, events []store.Event) (int, error) {
	for i := range events {
		e := &events[i]
		if err := store.CheckText("insert events", e.SourceID, e.MessageID, e.SubjectID, e.OriginSubjectID, e.Type, e.Name); err != nil {
			return 0, err
		}
	}
	inserted := 0
	args := make([]any, 0, eventChunk*eventCols)
	for start := 0; start < len(events); start += eventChunk {
		chunk := events[start:min(start+eventChunk, len(events))]
		args = args[:0]
		for _, e := range chunk {
			// NULL origin: the event still belongs to the subject it first resolved to.
			var origin any
			if e.OriginSubjectID != "" && e.OriginSubjectID != e.SubjectID {
				origin = e.OriginSubjectID
			}
			args = append(args, e.SubjectID, origin, store.EventKey(e.SourceID, e.MessageID), e.Type, e.Name,
				toMicros(e.OccurredAt), toMicros(e.ReceivedAt), e.Body)
		}
		res, err := tx.ExecContext(ctx, insertEventsSQL(len(chunk)), args...)
		if err != nil {
			return 0, fmt.Errorf("insert events: %w", mapErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("insert events: %w", err)
		}
		inserted += int(n)
	}
	return inserted, nil
}

var insertSQLCache [eventChunk + 1]string

func init() {
	for n := 1; n <= eventChunk; n++ {
		var b strings.Builder
		b.WriteString("INSERT INTO events(subject_id, origin_subject_id, msg, type, name, occurred_at, received_at, body) VALUES ")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?)")
		}
		b.WriteString(" ON CONFLICT(msg) DO NOTHING")
		insertSQLCache[n] = b.String()
	}
}

func insertEventsSQL(n int) string { return insertSQLCache[n] }

// CountEvents implements store.Store.
func (s *Store) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := s.rc.QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", mapErr(err))
	}
	return n, nil
}

// RawSubjectEvents implements store.Store. SourceID and MessageID are not kept (only their
// key, store.EventKey) and come back empty.
func (s *Store) RawSubjectEvents(ctx context.Context, subjectID string, after int64, limit int) ([]store.Event, error) {
	rows, err := s.rc.QueryContext(ctx, `SELECT seq, subject_id, COALESCE(origin_subject_id, subject_id), type, name, occurred_at, received_at, body
		FROM events WHERE subject_id = ? AND seq > ? ORDER BY seq LIMIT ?`, subjectID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("subject events: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		var occ, rec int64
		if err := rows.Scan(&e.Seq, &e.SubjectID, &e.OriginSubjectID, &e.Type, &e.Name, &occ, &rec, &e.Body); err != nil {
			return nil, fmt.Errorf("subject events: %w", mapErr(err))
		}
		e.OccurredAt, e.ReceivedAt = fromMicros(occ), fromMicros(rec)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subject events: %w", mapErr(err))
	}
	return out, nil
}
