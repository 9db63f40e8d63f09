package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	n := storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
	if !t.Failed() {
		t.Logf("conformance: sqlite passed %d checks", n)
	}
}

// The consent ledger refuses UPDATE and DELETE even from SQL run beside the store.
func TestConsentLedgerIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, db := migratedBeside(t)
	rec := store.ConsentRecord{ID: "c1", SubjectID: "s", Purpose: "analytics.reporting", Granted: true, NoticeVersion: "1",
		NoticeHash: "h", Method: store.MethodAPI, At: time.Now()}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{rec}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE consent_records SET granted = 0", "DELETE FROM consent_records"} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v", q, err)
		}
	}
	if h, _ := s.ConsentHistory(ctx, "s"); len(h) != 1 || !h[0].Granted {
		t.Fatalf("history changed: %+v", h)
	}
}

// migratedBeside opens a migrated store in a fresh directory and a second, raw connection
// to the same file: SQL run beside the store, as an intruder with file access would.
func migratedBeside(t *testing.T) (*sqlite.Store, *sql.DB) {
	t.Helper()
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
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}
