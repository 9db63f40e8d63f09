package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// CreateOperator implements store.Store.
func (s *Store) CreateOperator(ctx context.Context, op store.Operator) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO operators(id, name, role, created_at) VALUES ($1, $2, $3, $4)",
		op.ID, op.Name, op.Role, op.CreatedAt)
	if err != nil {
		return fmt.Errorf("create operator: %w", mapErr(err))
	}
	return nil
}

// GetOperator implements store.Store.
func (s *Store) GetOperator(ctx context.Context, id string) (store.Operator, error) {
	var op store.Operator
	err := s.pool.QueryRow(ctx, "SELECT id, name, role, created_at FROM operators WHERE id = $1", id).
		Scan(&op.ID, &op.Name, &op.Role, &op.CreatedAt)
	if err != nil {
		return op, fmt.Errorf("get operator: %w", mapErr(err))
	}
	op.CreatedAt = utc(op.CreatedAt)
	return op, nil
}

// ListOperators implements store.Store.
func (s *Store) ListOperators(ctx context.Context) ([]store.Operator, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, name, role, created_at FROM operators ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Operator, error) {
		var op store.Operator
		err := r.Scan(&op.ID, &op.Name, &op.Role, &op.CreatedAt)
		op.CreatedAt = utc(op.CreatedAt)
		return op, err
	})
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", mapErr(err))
	}
	return out, nil
}

// CreateToken implements store.Store.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens(id, operator_id, name, hash, scopes, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.OperatorID, t.Name, t.Hash, strings.Join(t.Scopes, " "), t.CreatedAt, t.ExpiresAt, t.RevokedAt)
	if err != nil {
		return fmt.Errorf("create token: %w", mapErr(err))
	}
	return nil
}

const tokenCols = "id, operator_id, name, hash, scopes, created_at, expires_at, revoked_at"

func scanToken(r pgx.Row) (store.Token, error) {
	var t store.Token
	var scopes string
	if err := r.Scan(&t.ID, &t.OperatorID, &t.Name, &t.Hash, &scopes, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
		return t, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = utc(t.CreatedAt)
	t.ExpiresAt = utcPtr(t.ExpiresAt)
	t.RevokedAt = utcPtr(t.RevokedAt)
	return t, nil
}

// TokenByHash implements store.Store.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE hash = $1", hash))
	if err != nil {
		return t, fmt.Errorf("token by hash: %w", mapErr(err))
	}
	return t, nil
}

// ListTokens implements store.Store.
func (s *Store) ListTokens(ctx context.Context, operatorID string) ([]store.Token, error) {
	q := "SELECT " + tokenCols + " FROM tokens"
	var args []any
	if operatorID != "" {
		q += " WHERE operator_id = $1"
		args = append(args, operatorID)
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Token, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapErr(err))
	}
	return out, nil
}

// RevokeToken implements store.Store.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2", at, id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke token: %w", store.ErrNotFound)
	}
	return nil
}

// CreateSource implements store.Store.
func (s *Store) CreateSource(ctx context.Context, src store.Source) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO sources(id, name, key_hash, created_at, server_side) VALUES ($1, $2, $3, $4, $5)",
		src.ID, src.Name, src.KeyHash, src.CreatedAt, src.ServerSide)
	if err != nil {
		return fmt.Errorf("create source: %w", mapErr(err))
	}
	return nil
}

func scanSource(r pgx.Row) (store.Source, error) {
	var src store.Source
	err := r.Scan(&src.ID, &src.Name, &src.KeyHash, &src.CreatedAt, &src.ServerSide)
	src.CreatedAt = utc(src.CreatedAt)
	return src, err
}

// SourceByKeyHash implements store.Store.
func (s *Store) SourceByKeyHash(ctx context.Context, hash []byte) (store.Source, error) {
	src, err := scanSource(s.pool.QueryRow(ctx, "SELECT id, name, key_hash, created_at, server_side FROM sources WHERE key_hash = $1", hash))
	if err != nil {
		return src, fmt.Errorf("source by key: %w", mapErr(err))
	}
	return src, nil
}

// ListSources implements store.Store.
func (s *Store) ListSources(ctx context.Context) ([]store.Source, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, name, key_hash, created_at, server_side FROM sources ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Source, error) { return scanSource(r) })
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", mapErr(err))
	}
	return out, nil
}

// GetSetting implements store.Store.
func (s *Store) GetSetting(ctx context.Context, name string) (string, error) {
	var v string
	if err := s.pool.QueryRow(ctx, "SELECT value FROM settings WHERE name = $1", name).Scan(&v); err != nil {
		return "", fmt.Errorf("get setting: %w", mapErr(err))
	}
	return v, nil
}

// PutSetting implements store.Store.
func (s *Store) PutSetting(ctx context.Context, name, value string) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO settings(name, value) VALUES ($1, $2) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, value)
	if err != nil {
		return fmt.Errorf("put setting: %w", mapErr(err))
	}
	return nil
}
