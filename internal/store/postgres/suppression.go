package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.Suppressions = (*Store)(nil)

// SuppressSubjectIdentities implements store.Suppressions.
func (s *Store) SuppressSubjectIdentities(ctx context.Context, ids []string, at time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO suppressions(kind, hash, created_at)
		SELECT kind, hash, $1 FROM identities WHERE kind = $2 AND (subject_id = ANY($3) OR origin_subject_id = ANY($3))
		ON CONFLICT (kind, hash) DO UPDATE SET created_at = EXCLUDED.created_at, lifted_at = NULL`, at.UTC(), store.IdentityUserID, ids)
	if err != nil {
		return 0, fmt.Errorf("suppress: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// SuppressedIdentities implements store.Suppressions.
func (s *Store) SuppressedIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]bool, error) {
	out := map[store.IdentityKey]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	kinds := make([]string, len(keys))
	hashes := make([][]byte, len(keys))
	for i, k := range keys {
		kinds[i], hashes[i] = k.Kind, []byte(k.Hash)
	}
	rows, err := s.pool.Query(ctx, `SELECT s.kind, s.hash FROM suppressions s
		JOIN unnest($1::text[], $2::bytea[]) AS k(kind, hash) ON s.kind = k.kind AND s.hash = k.hash
		WHERE s.lifted_at IS NULL`, kinds, hashes)
	if err != nil {
		return nil, fmt.Errorf("suppressed: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var hash []byte
		if err := rows.Scan(&kind, &hash); err != nil {
			return nil, err
		}
		out[store.IdentityKey{Kind: kind, Hash: string(hash)}] = true
	}
	return out, rows.Err()
}

// LiftSuppression implements store.Suppressions.
func (s *Store) LiftSuppression(ctx context.Context, k store.IdentityKey, at time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, "UPDATE suppressions SET lifted_at = $1 WHERE kind = $2 AND hash = $3 AND lifted_at IS NULL", at.UTC(), k.Kind, []byte(k.Hash))
	if err != nil {
		return false, fmt.Errorf("lift suppression: %w", mapErr(err))
	}
	return tag.RowsAffected() > 0, nil
}
