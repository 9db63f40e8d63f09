package postgres_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestCampaignsConformance(t *testing.T) {
	base := pgtest.URL(t)
	storetest.RunCampaigns(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.Schema(t, base))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
