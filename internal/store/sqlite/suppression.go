package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.Suppressions = (*Store)(nil)

// SuppressSubjectIdentities implements store.Suppressions.
func (s *Store) SuppressSubjectIdentities(ctx context.Context, ids []string, at time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	in := strings.Repeat("?,", len(ids))
	in = in[:len(in)-1]
	args := []any{at.UnixMilli(), store.IdentityUserID}
	for _, id := range ids {
		args = append(args, id)
	}
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := s.wc.ExecContext(ctx, `INSERT INTO suppressions(kind, hash, created_at)
		SELECT kind, hash, ? FROM identities WHERE kind = ? AND (subject_id IN (`+in+`) OR origin_subject_id IN (`+in+`))
		ON CONFLICT(kind, hash) DO UPDATE SET created_at = excluded.created_at, lifted_at = NULL`, args...)
	if err != nil {
		return 0, fmt.Errorf("suppress: %w", mapErr(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SuppressedIdentities implements store.Suppressions.
func (s *Store) SuppressedIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]bool, error) {
	out := map[store.IdentityKey]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	q := strings.Repeat("(kind = ? AND hash = ?) OR ", len(keys))
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k.Kind, []byte(k.Hash))
	}
	rows, err := s.rc.QueryContext(ctx, "SELECT kind, hash FROM suppressions WHERE lifted_at IS NULL AND ("+strings.TrimSuffix(q, " OR ")+")", args...)
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
	res, err := s.wc.ExecContext(ctx, "UPDATE suppressions SET lifted_at = ? WHERE kind = ? AND hash = ? AND lifted_at IS NULL", at.UnixMilli(), k.Kind, []byte(k.Hash))
	if err != nil {
		return false, fmt.Errorf("lift suppression: %w", mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
