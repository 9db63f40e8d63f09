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
)

// Assessments cannot be rewritten or removed, and a quote cannot be changed, even from SQL
// run beside the store: the record that an algorithm was reviewed, and what was quoted to
// whom in which band, is the evidence the fairness and review duties rest on (AD-04).
func TestAssessmentsAndQuotesAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.AddAlgorithmAssessment(ctx, store.AlgorithmAssessment{ID: "a", Algorithm: "recommender", ReviewedAt: now, NextDue: now, Reviewer: "op", Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPriceQuote(ctx, store.PriceQuote{ID: "q", At: now, Item: "p", Currency: "CNY", BasePrice: 1, Price: 1}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"UPDATE algorithm_assessments SET outcome = 'x'", "DELETE FROM algorithm_assessments", "UPDATE price_quotes SET price = 0"} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v", q, err)
		}
	}
}
