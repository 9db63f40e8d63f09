package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	base := pgtest.URL(t)
	n := storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.Schema(t, base))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
	if !t.Failed() {
		t.Logf("conformance: postgres passed %d checks", n)
	}
}

// The consent ledger refuses UPDATE and DELETE even from SQL run beside the store.
func TestConsentLedgerIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := migrated(t)
	rec := store.ConsentRecord{ID: "c1", SubjectID: "s", Purpose: "analytics.reporting", Granted: true, NoticeVersion: "1",
		NoticeHash: "h", Method: store.MethodAPI, At: time.Now()}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{rec}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE consent_records SET granted = false", "DELETE FROM consent_records", "TRUNCATE consent_records"} {
		if err := s.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v", q, err)
		}
	}
	if h, _ := s.ConsentHistory(ctx, "s"); len(h) != 1 || !h[0].Granted {
		t.Fatalf("history changed: %+v", h)
	}
}

// migrated opens a migrated store in a schema of its own.
func migrated(t *testing.T) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.Schema(t, pgtest.URL(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}
