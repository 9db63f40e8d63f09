package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// consentResult is one run of consentWork.
type consentResult struct {
	WritesPerSec float64 // ledger records appended per second, in batches
	ReadsPerSec  float64 // current-state reads (history fold) per second
}

// Benchmark appends n consent records for n/5 subjects in batches of batch records, then
// reads the current state of reads random subjects, on st.
func consentWork(ctx context.Context, st store.Store, run, n, batch, reads int) (consentResult, error) {
	l := consent.New(consent.Config{Store: st})
	purposes := []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling", "third_party_sharing", "cross_border_transfer"}
	subjects := max(n/5, 1)
	recs := make([]store.ConsentRecord, 0, batch)
	start := time.Now()
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("bench-%d-%07d", run, i%subjects)
		r, err := l.Records(sub, []consent.Choice{{Key: purposes[i%len(purposes)], Granted: i%3 != 0}}, consent.Meta{Method: store.MethodBanner, Evidence: map[string]any{"variant": "a"}})
		if err != nil {
			return consentResult{}, err
		}
		recs = append(recs, r...)
		if len(recs) == batch || i == n-1 {
			if err := st.AppendConsent(ctx, recs); err != nil {
				return consentResult{}, err
			}
			recs = recs[:0]
		}
	}
	writes := float64(n) / time.Since(start).Seconds()
	start = time.Now()
	for i := 0; i < reads; i++ {
		if _, err := l.State(ctx, fmt.Sprintf("bench-%d-%07d", run, (i*7919)%subjects)); err != nil {
			return consentResult{}, err
		}
	}
	return consentResult{WritesPerSec: writes, ReadsPerSec: float64(reads) / time.Since(start).Seconds()}, nil
}
