package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

const dictCols = "id, binding, content, samples, people, min_people, created_at"

// PutDictionary implements store.Dictionaries.
func (s *Store) PutDictionary(ctx context.Context, d store.Dictionary) (int64, error) {
	if err := store.CheckText("put dictionary", d.Binding); err != nil {
		return 0, err
	}
	res, err := s.wc.ExecContext(ctx, "INSERT INTO seal_dictionaries(binding, content, samples, people, min_people, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		d.Binding, d.Content, d.Samples, d.People, d.MinPeople, toMicros(d.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("put dictionary: %w", mapErr(err))
	}
	return res.LastInsertId()
}

// GetDictionary implements store.Dictionaries.
func (s *Store) GetDictionary(ctx context.Context, id int64) (store.Dictionary, error) {
	return s.dictionary(ctx, "get dictionary", "SELECT "+dictCols+" FROM seal_dictionaries WHERE id = ?", id)
}

// LatestDictionary implements store.Dictionaries.
func (s *Store) LatestDictionary(ctx context.Context, binding string) (store.Dictionary, error) {
	return s.dictionary(ctx, "latest dictionary", "SELECT "+dictCols+" FROM seal_dictionaries WHERE binding = ? ORDER BY id DESC LIMIT 1", binding)
}

func (s *Store) dictionary(ctx context.Context, op, query string, arg any) (store.Dictionary, error) {
	var d store.Dictionary
	var at int64
	err := s.rc.QueryRowContext(ctx, query, arg).Scan(&d.ID, &d.Binding, &d.Content, &d.Samples, &d.People, &d.MinPeople, &at)
	if err != nil {
		return d, fmt.Errorf("%s: %w", op, mapErr(err))
	}
	d.CreatedAt = fromMicros(at)
	return d, nil
}
