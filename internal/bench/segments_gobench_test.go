package bench

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/segment"
)

var (
	benchOnce  sync.Once
	benchIndex *segment.MemIndex
)

// benchData is the `steward bench segments` population: 1,000,000 synthetic profiles.
func benchData(b *testing.B) *segment.MemIndex {
	b.Helper()
	benchOnce.Do(func() {
		benchIndex = segment.NewMemIndex()
		LoadSynthetic(benchIndex, 1_000_000, 1)
	})
	return benchIndex
}

// BenchmarkEvaluate: full evaluation of the 3-clause segment over 1M profiles.
func BenchmarkEvaluate(b *testing.B) {
	m := benchData(b)
	p, _ := segment.CompileString(BenchExpression)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := segment.Evaluate(ctx, p, m, BenchNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecheck: one subject's new event followed by Recheck.
func BenchmarkRecheck(b *testing.B) {
	m := benchData(b)
	p, _ := segment.CompileString(BenchExpression)
	ctx := context.Background()
	live, err := segment.NewLive(ctx, p, m, BenchNow)
	if err != nil {
		b.Fatal(err)
	}
	id := uint32(12345)
	b.ResetTimer()
	for b.Loop() {
		m.AddEvent(id, "purchase", BenchNow.Add(-time.Hour), nil)
		if _, err := live.Recheck(ctx, BenchNow, id); err != nil {
			b.Fatal(err)
		}
	}
}
