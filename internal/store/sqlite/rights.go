package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// CreateRightsRequest implements store.Store.
func (s *Store) CreateRightsRequest(ctx context.Context, r store.RightsRequest, first store.RightsStep) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create rights request: %w", mapErr(err))
	}
	defer t.Rollback()
	if r.Origin == "" {
		r.Origin = store.OriginSession
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO rights_requests(id, subject_id, type, state, jurisdiction, received_at, due_at, source, updated_at, details,
		origin, requester, assignee, extended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.SubjectID, r.Type, r.State, r.Jurisdiction, toMicros(r.ReceivedAt), toMicros(r.DueAt), r.Source,
		toMicros(r.UpdatedAt), r.Details, r.Origin, r.Requester, r.Assignee, nullMicros(r.ExtendedAt)); err != nil {
		return fmt.Errorf("create rights request: %w", mapErr(err))
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO rights_steps(request_id, state, actor, note, at) VALUES (?, ?, ?, ?, ?)",
		r.ID, first.State, first.Actor, first.Note, toMicros(first.At)); err != nil {
		return fmt.Errorf("create rights request: %w", mapErr(err))
	}
	return mapErr(t.Commit())
}

// StepRightsRequest implements store.Store.
func (s *Store) StepRightsRequest(ctx context.Context, id, from string, step store.RightsStep) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("step rights request: %w", mapErr(err))
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, "UPDATE rights_requests SET state = ?, updated_at = ? WHERE id = ? AND state = ?", step.State, toMicros(step.At), id, from)
	if err != nil {
		return fmt.Errorf("step rights request: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := s.RightsRequest(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("step rights request: %w: it is no longer %s", store.ErrConflict, from)
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO rights_steps(request_id, state, actor, note, at) VALUES (?, ?, ?, ?, ?)",
		id, step.State, step.Actor, step.Note, toMicros(step.At)); err != nil {
		return fmt.Errorf("step rights request: %w", mapErr(err))
	}
	return mapErr(t.Commit())
}

const rightsCols = "id, subject_id, type, state, jurisdiction, received_at, due_at, source, updated_at, details, origin, requester, assignee, extended_at"

func scanRights(sc interface{ Scan(...any) error }) (store.RightsRequest, error) {
	var r store.RightsRequest
	var rec, due, upd int64
	var ext sql.NullInt64
	err := sc.Scan(&r.ID, &r.SubjectID, &r.Type, &r.State, &r.Jurisdiction, &rec, &due, &r.Source, &upd, &r.Details, &r.Origin, &r.Requester, &r.Assignee, &ext)
	r.ReceivedAt, r.DueAt, r.UpdatedAt, r.ExtendedAt = fromMicros(rec), fromMicros(due), fromMicros(upd), ptrMicros(ext)
	return r, err
}

// RightsRequest implements store.Store.
func (s *Store) RightsRequest(ctx context.Context, id string) (store.RightsRequest, error) {
	r, err := scanRights(s.rc.QueryRowContext(ctx, "SELECT "+rightsCols+" FROM rights_requests WHERE id = ?", id))
	if err != nil {
		return r, fmt.Errorf("rights request: %w", mapErr(err))
	}
	rows, err := s.rc.QueryContext(ctx, "SELECT state, actor, note, at FROM rights_steps WHERE request_id = ? ORDER BY seq", id)
	if err != nil {
		return r, fmt.Errorf("rights request: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var st store.RightsStep
		var at int64
		if err := rows.Scan(&st.State, &st.Actor, &st.Note, &at); err != nil {
			return r, fmt.Errorf("rights request: %w", mapErr(err))
		}
		st.At = fromMicros(at)
		r.Steps = append(r.Steps, st)
	}
	return r, rows.Err()
}

// ListRightsRequests implements store.Store.
func (s *Store) ListRightsRequests(ctx context.Context, subjectID string) ([]store.RightsRequest, error) {
	q := "SELECT " + rightsCols + " FROM rights_requests"
	var args []any
	if subjectID != "" {
		q += " WHERE subject_id = ?"
		args = append(args, subjectID)
	}
	q += " ORDER BY CASE WHEN state IN ('done', 'refused') THEN 1 ELSE 0 END, due_at"
	rows, err := s.rc.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("rights requests: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.RightsRequest
	for rows.Next() {
		r, err := scanRights(rows)
		if err != nil {
			return nil, fmt.Errorf("rights requests: %w", mapErr(err))
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
