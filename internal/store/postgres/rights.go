package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// CreateRightsRequest implements store.Store.
func (s *Store) CreateRightsRequest(ctx context.Context, r store.RightsRequest, first store.RightsStep) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		if r.Origin == "" {
			r.Origin = store.OriginSession
		}
		if _, err := t.Exec(ctx, `INSERT INTO rights_requests(id, subject_id, type, state, jurisdiction, received_at, due_at, source, updated_at, details,
			origin, requester, assignee, extended_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, r.ID, r.SubjectID, r.Type, r.State, r.Jurisdiction, r.ReceivedAt, r.DueAt,
			r.Source, r.UpdatedAt, r.Details, r.Origin, r.Requester, r.Assignee, r.ExtendedAt); err != nil {
			return err
		}
		_, err := t.Exec(ctx, "INSERT INTO rights_steps(request_id, state, actor, note, at) VALUES ($1, $2, $3, $4, $5)",
			r.ID, first.State, first.Actor, first.Note, first.At)
		return err
	})
	if err != nil {
		return fmt.Errorf("create rights request: %w", mapErr(err))
	}
	return nil
}

// StepRightsRequest implements store.Store.
func (s *Store) StepRightsRequest(ctx context.Context, id, from string, step store.RightsStep) error {
	moved := false
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		tag, err := t.Exec(ctx, "UPDATE rights_requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4", step.State, step.At, id, from)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return nil
		}
		moved = true
		_, err = t.Exec(ctx, "INSERT INTO rights_steps(request_id, state, actor, note, at) VALUES ($1, $2, $3, $4, $5)", id, step.State, step.Actor, step.Note, step.At)
		return err
	})
	if err != nil {
		return fmt.Errorf("step rights request: %w", mapErr(err))
	}
	if !moved {
		if _, err := s.RightsRequest(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("step rights request: %w: it is no longer %s", store.ErrConflict, from)
	}
	return nil
}

const rightsCols = "id, subject_id, type, state, jurisdiction, received_at, due_at, source, updated_at, details, origin, requester, assignee, extended_at"

func scanRights(sc interface{ Scan(...any) error }) (store.RightsRequest, error) {
	var r store.RightsRequest
	err := sc.Scan(&r.ID, &r.SubjectID, &r.Type, &r.State, &r.Jurisdiction, &r.ReceivedAt, &r.DueAt, &r.Source, &r.UpdatedAt, &r.Details,
		&r.Origin, &r.Requester, &r.Assignee, &r.ExtendedAt)
	r.ReceivedAt, r.DueAt, r.UpdatedAt, r.ExtendedAt = utc(r.ReceivedAt), utc(r.DueAt), utc(r.UpdatedAt), utcPtr(r.ExtendedAt)
	return r, err
}

// RightsRequest implements store.Store.
func (s *Store) RightsRequest(ctx context.Context, id string) (store.RightsRequest, error) {
	r, err := scanRights(s.pool.QueryRow(ctx, "SELECT "+rightsCols+" FROM rights_requests WHERE id = $1", id))
	if err != nil {
		return r, fmt.Errorf("rights request: %w", mapErr(err))
	}
	rows, err := s.pool.Query(ctx, "SELECT state, actor, note, at FROM rights_steps WHERE request_id = $1 ORDER BY seq", id)
	if err != nil {
		return r, fmt.Errorf("rights request: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var st store.RightsStep
		if err := rows.Scan(&st.State, &st.Actor, &st.Note, &st.At); err != nil {
			return r, fmt.Errorf("rights request: %w", mapErr(err))
		}
		st.At = utc(st.At)
		r.Steps = append(r.Steps, st)
	}
	return r, rows.Err()
}

// ListRightsRequests implements store.Store.
func (s *Store) ListRightsRequests(ctx context.Context, subjectID string) ([]store.RightsRequest, error) {
	q := "SELECT " + rightsCols + " FROM rights_requests"
	var args []any
	if subjectID != "" {
		q += " WHERE subject_id = $1"
		args = append(args, subjectID)
	}
	q += " ORDER BY CASE WHEN state IN ('done', 'refused') THEN 1 ELSE 0 END, due_at"
	rows, err := s.pool.Query(ctx, q, args...)
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
