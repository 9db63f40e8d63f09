package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/audit/audittest"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
)

func TestAuditConformance(t *testing.T) {
	base := pgtest.URL(t)
	audittest.Run(t, func(t *testing.T) audittest.Backend {
		ctx := context.Background()
		url := pgtest.Schema(t, base)
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		raw, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close(context.Background()) })
		return audittest.Backend{Store: s, Exec: func(ctx context.Context, q string, args ...any) error {
			_, err := raw.Exec(ctx, q, args...)
			return err
		}}
	})
}
