package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func (t tx) IdentifiedSubjects(ctx context.Context, ids []string) (map[string]bool, error) {
	return identifiedSubjects(ctx, t.q, ids)
}

// IdentifiedSubjects implements store.Store.
func (s *Store) IdentifiedSubjects(ctx context.Context, ids []string) (map[string]bool, error) {
	return identifiedSubjects(ctx, s.rc, ids)
}

func identifiedSubjects(ctx context.Context, q querier, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, store.IdentityUserID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, "SELECT DISTINCT subject_id FROM identities WHERE kind = ? AND subject_id IN (?"+
			strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("identified subjects: %w", mapErr(err))
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("identified subjects: %w", err)
			}
			out[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t tx) HoldLink(ctx context.Context, l store.HeldLink) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO held_links(id, from_subject, into_subject, reason, source_id, created_at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
		l.ID, l.From, l.Into, l.Reason, l.SourceID, toMicros(l.CreatedAt), store.LinkPending)
	if err != nil {
		return fmt.Errorf("hold link: %w", mapErr(err))
	}
	return nil
}

const heldLinkCols = "id, from_subject, into_subject, reason, source_id, created_at, status, decided_at, decided_by"

func scanHeldLink(sc interface{ Scan(...any) error }) (store.HeldLink, error) {
	var l store.HeldLink
	var created int64
	var decided sql.NullInt64
	err := sc.Scan(&l.ID, &l.From, &l.Into, &l.Reason, &l.SourceID, &created, &l.Status, &decided, &l.DecidedBy)
	l.CreatedAt, l.DecidedAt = fromMicros(created), ptrMicros(decided)
	return l, err
}

func (t tx) DecideLink(ctx context.Context, id, status, by string, at time.Time) (store.HeldLink, error) {
	l, err := scanHeldLink(t.q.QueryRowContext(ctx, "SELECT "+heldLinkCols+" FROM held_links WHERE id = ?", id))
	if err != nil {
		return l, fmt.Errorf("decide link: %w", mapErr(err))
	}
	if l.Status != store.LinkPending {
		return l, fmt.Errorf("decide link: %w: already %s", store.ErrConflict, l.Status)
	}
	if _, err := t.q.ExecContext(ctx, "UPDATE held_links SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?",
		status, toMicros(at), by, id); err != nil {
		return l, fmt.Errorf("decide link: %w", mapErr(err))
	}
	return l, nil
}

// HeldLinks implements store.Store.
func (s *Store) HeldLinks(ctx context.Context, status string, limit int) ([]store.HeldLink, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+heldLinkCols+" FROM held_links WHERE (? = '' OR status = ?) ORDER BY created_at DESC, id LIMIT ?",
		status, status, limit)
	if err != nil {
		return nil, fmt.Errorf("held links: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.HeldLink
	for rows.Next() {
		l, err := scanHeldLink(rows)
		if err != nil {
			return nil, fmt.Errorf("held links: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// HeldLink implements store.Store.
func (s *Store) HeldLink(ctx context.Context, id string) (store.HeldLink, error) {
	l, err := scanHeldLink(s.rc.QueryRowContext(ctx, "SELECT "+heldLinkCols+" FROM held_links WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("held link: %w", store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("held link: %w", mapErr(err))
	}
	return l, nil
}
