package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
)

// Assessments cannot be rewritten, removed or truncated, and a quote cannot be changed,
// even from SQL run beside the store (AD-04).
func TestAssessmentsAndQuotesAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.Schema(t, pgtest.URL(t)))
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
	for _, q := range []string{"UPDATE algorithm_assessments SET outcome = 'x'", "DELETE FROM algorithm_assessments",
		"TRUNCATE algorithm_assessments", "UPDATE price_quotes SET price = 0"} {
		if err := s.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v", q, err)
		}
	}
}
