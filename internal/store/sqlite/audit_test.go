package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/internal/audit/audittest"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

func TestAuditConformance(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Backend {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "steward.db")
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return audittest.Backend{Store: s, Exec: func(ctx context.Context, q string, args ...any) error {
			_, err := raw.ExecContext(ctx, q, args...)
			return err
		}}
	})
}
