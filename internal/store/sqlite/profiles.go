package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// PutDefinition implements store.Store.
func (s *Store) PutDefinition(ctx context.Context, d store.Definition) error {
	_, err := s.wc.ExecContext(ctx, `INSERT INTO definitions(kind, name, spec, actor, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(kind, name) DO UPDATE SET spec = excluded.spec, actor = excluded.actor, updated_at = excluded.updated_at`,
		d.Kind, d.Name, d.Spec, d.Actor, toMicros(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put definition: %w", mapErr(err))
	}
	return nil
}

// DeleteDefinition implements store.Store.
func (s *Store) DeleteDefinition(ctx context.Context, kind, name string) error {
	res, err := s.wc.ExecContext(ctx, "DELETE FROM definitions WHERE kind = ? AND name = ?", kind, name)
	if err != nil {
		return fmt.Errorf("delete definition: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete definition %s %q: %w", kind, name, store.ErrNotFound)
	}
	return nil
}

// Definitions implements store.Store.
func (s *Store) Definitions(ctx context.Context, kind string) ([]store.Definition, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT kind, name, spec, actor, updated_at FROM definitions WHERE kind = ? ORDER BY name", kind)
	if err != nil {
		return nil, fmt.Errorf("definitions: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Definition
	for rows.Next() {
		var d store.Definition
		var at int64
		if err := rows.Scan(&d.Kind, &d.Name, &d.Spec, &d.Actor, &at); err != nil {
			return nil, fmt.Errorf("definitions: %w", mapErr(err))
		}
		d.UpdatedAt = fromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SuppressTag implements store.Store.
func (s *Store) SuppressTag(ctx context.Context, t store.TagSuppression) error {
	_, err := s.wc.ExecContext(ctx, "INSERT INTO tag_suppressions(subject_id, tag, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		t.SubjectID, t.Tag, toMicros(t.At))
	if err != nil {
		return fmt.Errorf("suppress tag: %w", mapErr(err))
	}
	return nil
}

// TagSuppressions implements store.Store.
func (s *Store) TagSuppressions(ctx context.Context) ([]store.TagSuppression, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT subject_id, tag, created_at FROM tag_suppressions ORDER BY subject_id, tag")
	if err != nil {
		return nil, fmt.Errorf("tag suppressions: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.TagSuppression
	for rows.Next() {
		var t store.TagSuppression
		var at int64
		if err := rows.Scan(&t.SubjectID, &t.Tag, &at); err != nil {
			return nil, fmt.Errorf("tag suppressions: %w", mapErr(err))
		}
		t.At = fromMicros(at)
		out = append(out, t)
	}
	return out, rows.Err()
}

// LiveSubjects implements store.Store.
func (s *Store) LiveSubjects(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT id FROM subjects WHERE merged_into IS NULL AND id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("live subjects: %w", mapErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("live subjects: %w", mapErr(err))
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ChangedSubjects implements store.Store.
func (s *Store) ChangedSubjects(ctx context.Context, seq int64, limit int) ([]string, int64, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT seq, subject_id FROM events WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit)
	if err != nil {
		return nil, seq, fmt.Errorf("changed subjects: %w", mapErr(err))
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	last := seq
	for rows.Next() {
		var id string
		if err := rows.Scan(&last, &id); err != nil {
			return nil, seq, fmt.Errorf("changed subjects: %w", mapErr(err))
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, last, rows.Err()
}
