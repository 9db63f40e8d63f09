package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// CreateOperator implements store.Store.
func (s *Store) CreateOperator(ctx context.Context, op store.Operator) error {
	if err := store.CheckText("create operator", op.ID, op.Name, op.Role); err != nil {
		return err
	}
	_, err := s.wc.ExecContext(ctx, "INSERT INTO operators(id, name, role, created_at) VALUES (?, ?, ?, ?)",
		op.ID, op.Name, op.Role, toMicros(op.CreatedAt))
	if err != nil {
		return fmt.Errorf("create operator: %w", mapErr(err))
	}
	return nil
}

// GetOperator implements store.Store.
func (s *Store) GetOperator(ctx context.Context, id string) (store.Operator, error) {
	var op store.Operator
	var created int64
	err := s.rc.QueryRowContext(ctx, "SELECT id, name, role, created_at FROM operators WHERE id = ?", id).
		Scan(&op.ID, &op.Name, &op.Role, &created)
	if err != nil {
		return op, fmt.Errorf("get operator: %w", mapErr(err))
	}
	op.CreatedAt = fromMicros(created)
	return op, nil
}

// ListOperators implements store.Store.
func (s *Store) ListOperators(ctx context.Context) ([]store.Operator, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT id, name, role, created_at FROM operators ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Operator
	for rows.Next() {
		var op store.Operator
		var created int64
		if err := rows.Scan(&op.ID, &op.Name, &op.Role, &created); err != nil {
			return nil, fmt.Errorf("list operators: %w", err)
		}
		op.CreatedAt = fromMicros(created)
		out = append(out, op)
	}
	return out, rows.Err()
}

// CreateToken implements store.Store.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if err := store.CheckText("create token", append([]string{t.ID, t.OperatorID, t.Name}, t.Scopes...)...); err != nil {
		return err
	}
	_, err := s.wc.ExecContext(ctx, `INSERT INTO tokens(id, operator_id, name, hash, scopes, created_at, expires_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OperatorID, t.Name, t.Hash, strings.Join(t.Scopes, " "), toMicros(t.CreatedAt),
		nullMicros(t.ExpiresAt), nullMicros(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create token: %w", mapErr(err))
	}
	return nil
}

const tokenCols = "id, operator_id, name, hash, scopes, created_at, expires_at, revoked_at"

func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var scopes string
	var created int64
	var expires, revoked sql.NullInt64
	if err := sc.Scan(&t.ID, &t.OperatorID, &t.Name, &t.Hash, &scopes, &created, &expires, &revoked); err != nil {
		return t, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = fromMicros(created)
	t.ExpiresAt = ptrMicros(expires)
	t.RevokedAt = ptrMicros(revoked)
	return t, nil
}

// TokenByHash implements store.Store.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := scanToken(s.rc.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM tokens WHERE hash = ?", hash))
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
		q += " WHERE operator_id = ?"
		args = append(args, operatorID)
	}
	rows, err := s.rc.QueryContext(ctx, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements store.Store.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.wc.ExecContext(ctx, "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", toMicros(at), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token: %w", store.ErrNotFound)
	}
	return nil
}

// CreateSource implements store.Store.
func (s *Store) CreateSource(ctx context.Context, src store.Source) error {
	if err := store.CheckText("create source", src.ID, src.Name); err != nil {
		return err
	}
	_, err := s.wc.ExecContext(ctx, "INSERT INTO sources(id, name, key_hash, created_at, server_side) VALUES (?, ?, ?, ?, ?)",
		src.ID, src.Name, src.KeyHash, toMicros(src.CreatedAt), boolInt(src.ServerSide))
	if err != nil {
		return fmt.Errorf("create source: %w", mapErr(err))
	}
	return nil
}

// SourceByKeyHash implements store.Store.
func (s *Store) SourceByKeyHash(ctx context.Context, hash []byte) (store.Source, error) {
	var src store.Source
	var created, server int64
	err := s.rc.QueryRowContext(ctx, "SELECT id, name, key_hash, created_at, server_side FROM sources WHERE key_hash = ?", hash).
		Scan(&src.ID, &src.Name, &src.KeyHash, &created, &server)
	if err != nil {
		return src, fmt.Errorf("source by key: %w", mapErr(err))
	}
	src.CreatedAt, src.ServerSide = fromMicros(created), server == 1
	return src, nil
}

// ListSources implements store.Store.
func (s *Store) ListSources(ctx context.Context) ([]store.Source, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT id, name, key_hash, created_at, server_side FROM sources ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Source
	for rows.Next() {
		var src store.Source
		var created, server int64
		if err := rows.Scan(&src.ID, &src.Name, &src.KeyHash, &created, &server); err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		src.CreatedAt, src.ServerSide = fromMicros(created), server == 1
		out = append(out, src)
	}
	return out, rows.Err()
}

// GetSetting implements store.Store.
func (s *Store) GetSetting(ctx context.Context, name string) (string, error) {
	var v string
	if err := s.rc.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&v); err != nil {
		return "", fmt.Errorf("get setting: %w", mapErr(err))
	}
	return v, nil
}

// PutSetting implements store.Store.
func (s *Store) PutSetting(ctx context.Context, name, value string) error {
	_, err := s.wc.ExecContext(ctx, "INSERT INTO settings(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, value)
	if err != nil {
		return fmt.Errorf("put setting: %w", mapErr(err))
	}
	return nil
}
