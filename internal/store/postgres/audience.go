package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/audit"
)

var _ audit.AudienceStore = (*Store)(nil)

// PutAudience implements audit.AudienceStore; a root already stored is left as it is. The
// membership is copied into a temporary table and inserted in one statement, so a large
// audience costs one round trip.
func (s *Store) PutAudience(ctx context.Context, root []byte, ps []string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TEMPORARY TABLE audience_in (pos BIGINT, pseudonym TEXT) ON COMMIT DROP"); err != nil {
			return fmt.Errorf("put audience: %w", err)
		}
		rows := make([][]any, len(ps))
		for i, p := range ps {
			rows[i] = []any{int64(i), p}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audience_in"}, []string{"pos", "pseudonym"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("put audience: %w", err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO audit_audiences(root, pos, pseudonym) SELECT $1, pos, pseudonym FROM audience_in ON CONFLICT DO NOTHING", root); err != nil {
			return fmt.Errorf("put audience: %w", err)
		}
		return nil
	})
}

// Audience implements audit.AudienceStore.
func (s *Store) Audience(ctx context.Context, root []byte) ([]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT pseudonym FROM audit_audiences WHERE root = $1 ORDER BY pos", root)
	if err != nil {
		return nil, fmt.Errorf("read audience: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read audience: %w", err)
	}
	if len(out) == 0 {
		return nil, audit.ErrNoAudience
	}
	return out, nil
}

// AudienceRoots implements audit.AudienceStore.
func (s *Store) AudienceRoots(ctx context.Context, pseudonym string) ([][]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT DISTINCT root FROM audit_audiences WHERE pseudonym = $1", pseudonym)
	if err != nil {
		return nil, fmt.Errorf("audience roots: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[[]byte])
}
