package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

func (t tx) IdentifiedSubjects(ctx context.Context, ids []string) (map[string]bool, error) {
	return identifiedSubjects(ctx, t.q, ids)
}

// IdentifiedSubjects implements store.Store.
func (s *Store) IdentifiedSubjects(ctx context.Context, ids []string) (map[string]bool, error) {
	return identifiedSubjects(ctx, s.pool, ids)
}

func identifiedSubjects(ctx context.Context, q rowsQuerier, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, "SELECT DISTINCT subject_id FROM identities WHERE kind = $1 AND subject_id = ANY($2)", store.IdentityUserID, ids)
	if err != nil {
		return nil, fmt.Errorf("identified subjects: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("identified subjects: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

func (t tx) HoldLink(ctx context.Context, l store.HeldLink) error {
	_, err := t.q.Exec(ctx, `INSERT INTO held_links(id, from_subject, into_subject, reason, source_id, created_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		l.ID, l.From, l.Into, l.Reason, l.SourceID, l.CreatedAt, store.LinkPending)
	if err != nil {
		return fmt.Errorf("hold link: %w", mapErr(err))
	}
	return nil
}

const heldLinkCols = "id, from_subject, into_subject, reason, source_id, created_at, status, decided_at, decided_by"

func scanHeldLink(r pgx.Row) (store.HeldLink, error) {
	var l store.HeldLink
	err := r.Scan(&l.ID, &l.From, &l.Into, &l.Reason, &l.SourceID, &l.CreatedAt, &l.Status, &l.DecidedAt, &l.DecidedBy)
	l.CreatedAt, l.DecidedAt = utc(l.CreatedAt), utcPtr(l.DecidedAt)
	return l, err
}

func (t tx) DecideLink(ctx context.Context, id, status, by string, at time.Time) (store.HeldLink, error) {
	l, err := scanHeldLink(t.q.QueryRow(ctx, "SELECT "+heldLinkCols+" FROM held_links WHERE id = $1 FOR UPDATE", id))
	if err != nil {
		return l, fmt.Errorf("decide link: %w", mapErr(err))
	}
	if l.Status != store.LinkPending {
		return l, fmt.Errorf("decide link: %w: already %s", store.ErrConflict, l.Status)
	}
	if _, err := t.q.Exec(ctx, "UPDATE held_links SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4", status, at, by, id); err != nil {
		return l, fmt.Errorf("decide link: %w", mapErr(err))
	}
	return l, nil
}

// HeldLinks implements store.Store.
func (s *Store) HeldLinks(ctx context.Context, status string, limit int) ([]store.HeldLink, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+heldLinkCols+" FROM held_links WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC, id LIMIT $2", status, limit)
	if err != nil {
		return nil, fmt.Errorf("held links: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.HeldLink, error) { return scanHeldLink(r) })
	if err != nil {
		return nil, fmt.Errorf("held links: %w", mapErr(err))
	}
	return out, nil
}

// HeldLink implements store.Store.
func (s *Store) HeldLink(ctx context.Context, id string) (store.HeldLink, error) {
	l, err := scanHeldLink(s.pool.QueryRow(ctx, "SELECT "+heldLinkCols+" FROM held_links WHERE id = $1", id))
	if err != nil {
		return l, fmt.Errorf("held link: %w", mapErr(err))
	}
	return l, nil
}
