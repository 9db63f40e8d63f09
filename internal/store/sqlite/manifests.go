package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// AddManifestVersion implements store.Store.
func (s *Store) AddManifestVersion(ctx context.Context, v store.ManifestVersion) (int64, error) {
	res, err := s.wc.ExecContext(ctx, "INSERT INTO manifest_versions(hash, yaml, actor, created_at) VALUES (?, ?, ?, ?)",
		v.Hash, v.YAML, v.Actor, toMicros(v.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("add manifest version: %w", mapErr(err))
	}
	return res.LastInsertId()
}

// ManifestVersions implements store.Store.
func (s *Store) ManifestVersions(ctx context.Context) ([]store.ManifestVersion, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT seq, hash, actor, created_at FROM manifest_versions ORDER BY seq DESC")
	if err != nil {
		return nil, fmt.Errorf("manifest versions: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.ManifestVersion
	for rows.Next() {
		var v store.ManifestVersion
		var at int64
		if err := rows.Scan(&v.Seq, &v.Hash, &v.Actor, &at); err != nil {
			return nil, fmt.Errorf("manifest versions: %w", mapErr(err))
		}
		v.CreatedAt = fromMicros(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Store) manifestWhere(ctx context.Context, where string, args ...any) (store.ManifestVersion, error) {
	var v store.ManifestVersion
	var at int64
	err := s.rc.QueryRowContext(ctx, "SELECT seq, hash, yaml, actor, created_at FROM manifest_versions "+where, args...).
		Scan(&v.Seq, &v.Hash, &v.YAML, &v.Actor, &at)
	if err != nil {
		return v, fmt.Errorf("manifest version: %w", mapErr(err))
	}
	v.CreatedAt = fromMicros(at)
	return v, nil
}

// ManifestVersion implements store.Store.
func (s *Store) ManifestVersion(ctx context.Context, seq int64) (store.ManifestVersion, error) {
	return s.manifestWhere(ctx, "WHERE seq = ?", seq)
}

// LatestManifestVersion implements store.Store.
func (s *Store) LatestManifestVersion(ctx context.Context) (store.ManifestVersion, error) {
	return s.manifestWhere(ctx, "ORDER BY seq DESC LIMIT 1")
}
