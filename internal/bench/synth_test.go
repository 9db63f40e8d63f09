package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/segment"
)

func TestSyntheticMatchesEvaluation(t *testing.T) {
	m := segment.NewMemIndex()
	LoadSynthetic(m, 20000, 7)
	p, _ := segment.CompileString(BenchExpression)
	got, err := segment.Evaluate(context.Background(), p, m, BenchNow)
	if err != nil {
		t.Fatal(err)
	}
	// Count independently from the generated profiles.
	var want uint64
	cut := BenchNow.Add(-30 * 24 * time.Hour)
	Synthetic(20000, 7, func(sp SynthProfile) {
		recent := 0
		for _, at := range sp.Purchases {
			if at.After(cut) {
				recent++
			}
		}
		if slices.Contains(sp.Tags, "high_spender") && sp.City == "上海" && recent >= 2 {
			want++
		}
	})
	if got.GetCardinality() != want || want == 0 {
		t.Fatalf("got %d, want %d", got.GetCardinality(), want)
	}
}
