package anonymise_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// BenchmarkSearchAdult is the search `steward bench anonymise` times (k=5, 8
// quasi-identifiers, no suppression), for profiling with go test -bench.
func BenchmarkSearchAdult(b *testing.B) {
	a := loadAdult(b)
	cfg := a.config(adult8)
	cfg.K, cfg.Metric = 5, anonymise.NonUniformEntropy
	e, err := anonymise.New(a.table, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Search(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrepareAdult(b *testing.B) {
	a := loadAdult(b)
	cfg := a.config(adult8)
	cfg.K = 5
	b.ReportAllocs()
	for b.Loop() {
		if _, err := anonymise.New(a.table, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
