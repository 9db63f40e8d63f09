package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/audit"
)

var _ audit.Store = (*Store)(nil)

// AppendLeaves implements audit.Store. A transaction-scoped advisory lock
// serialises appenders so the size check and inserts cannot interleave and
// fork the log.
func (s *Store) AppendLeaves(ctx context.Context, exp uint64, leaves, hashes [][]byte) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7007)"); err != nil {
			return fmt.Errorf("append audit leaves: %w", err)
		}
		var n int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_leaves").Scan(&n); err != nil {
			return fmt.Errorf("append audit leaves: %w", err)
		}
		if uint64(n) != exp {
			return audit.ErrSizeMismatch
		}
		rows := make([][]any, len(leaves))
		for i := range leaves {
			rows[i] = []any{int64(exp) + int64(i), leaves[i], hashes[i]}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_leaves"}, []string{"idx", "leaf", "leaf_hash"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("append audit leaves: %w", err)
		}
		return nil
	})
}

// ReadLeaves implements audit.Store, in stored row order.
func (s *Store) ReadLeaves(ctx context.Context, from, to uint64) ([][]byte, [][]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT leaf, leaf_hash FROM audit_leaves ORDER BY idx LIMIT $1 OFFSET $2", int64(to-min(from, to)), int64(from))
	if err != nil {
		return nil, nil, fmt.Errorf("read audit leaves: %w", err)
	}
	defer rows.Close()
	var ls, hs [][]byte
	for rows.Next() {
		var l, h []byte
		if err := rows.Scan(&l, &h); err != nil {
			return nil, nil, fmt.Errorf("read audit leaves: %w", err)
		}
		ls, hs = append(ls, l), append(hs, h)
	}
	return ls, hs, rows.Err()
}

// Size implements audit.Store.
func (s *Store) Size(ctx context.Context) (uint64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_leaves").Scan(&n)
	return uint64(n), err
}

// PutCheckpoint implements audit.Store.
func (s *Store) PutCheckpoint(ctx context.Context, size uint64, note []byte) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO audit_checkpoints(tree_size, note) VALUES ($1, $2)", int64(size), note)
	return err
}

// Checkpoints implements audit.Store, oldest first.
func (s *Store) Checkpoints(ctx context.Context) ([][]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT note FROM audit_checkpoints ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// LatestCheckpoint implements audit.Store (nil when none).
func (s *Store) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, "SELECT note FROM audit_checkpoints ORDER BY id DESC LIMIT 1").Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return b, err
}
