package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/audit"
)

var _ audit.Store = (*Store)(nil)

// AppendLeaves implements audit.Store. The size check and the inserts share
// one immediate transaction on the single writer, so two writers cannot fork
// the log.
func (s *Store) AppendLeaves(ctx context.Context, exp uint64, leaves, hashes [][]byte) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append audit leaves: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	var n uint64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_leaves").Scan(&n); err != nil {
		return fmt.Errorf("append audit leaves: %w", err)
	}
	if n != exp {
		return audit.ErrSizeMismatch
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO audit_leaves(idx, leaf, leaf_hash) VALUES (?, ?, ?)")
	if err != nil {
		return fmt.Errorf("append audit leaves: %w", err)
	}
	defer st.Close()
	for i := range leaves {
		if _, err := st.ExecContext(ctx, exp+uint64(i), leaves[i], hashes[i]); err != nil {
			return fmt.Errorf("append audit leaves: %w", err)
		}
	}
	return tx.Commit()
}

// ReadLeaves implements audit.Store, in stored row order.
func (s *Store) ReadLeaves(ctx context.Context, from, to uint64) ([][]byte, [][]byte, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT leaf, leaf_hash FROM audit_leaves ORDER BY idx LIMIT ? OFFSET ?", int64(to-min(from, to)), int64(from))
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
	var n uint64
	err := s.rc.QueryRowContext(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_leaves").Scan(&n)
	return n, err
}

// PutCheckpoint implements audit.Store.
func (s *Store) PutCheckpoint(ctx context.Context, size uint64, note []byte) error {
	_, err := s.wc.ExecContext(ctx, "INSERT INTO audit_checkpoints(tree_size, note) VALUES (?, ?)", int64(size), note)
	return err
}

// Checkpoints implements audit.Store, oldest first.
func (s *Store) Checkpoints(ctx context.Context) ([][]byte, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT note FROM audit_checkpoints ORDER BY id")
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
	err := s.rc.QueryRowContext(ctx, "SELECT note FROM audit_checkpoints ORDER BY id DESC LIMIT 1").Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, err
}
