package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/audit"
)

var _ audit.AudienceStore = (*Store)(nil)

// PutAudience implements audit.AudienceStore; a root already stored is left as it is.
func (s *Store) PutAudience(ctx context.Context, root []byte, ps []string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("put audience: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	st, err := tx.PrepareContext(ctx, "INSERT INTO audit_audiences(root, pos, pseudonym) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
	if err != nil {
		return fmt.Errorf("put audience: %w", err)
	}
	defer st.Close()
	for i, p := range ps {
		if _, err := st.ExecContext(ctx, root, i, p); err != nil {
			return fmt.Errorf("put audience: %w", err)
		}
	}
	return tx.Commit()
}

// Audience implements audit.AudienceStore.
func (s *Store) Audience(ctx context.Context, root []byte) ([]string, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT pseudonym FROM audit_audiences WHERE root = ? ORDER BY pos", root)
	if err != nil {
		return nil, fmt.Errorf("read audience: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, audit.ErrNoAudience
	}
	return out, nil
}

// AudienceRoots implements audit.AudienceStore.
func (s *Store) AudienceRoots(ctx context.Context, pseudonym string) ([][]byte, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT DISTINCT root FROM audit_audiences WHERE pseudonym = ?", pseudonym)
	if err != nil {
		return nil, fmt.Errorf("audience roots: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var r []byte
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
