package app

import (
	"context"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/store"
)

// newCollector builds the ingestion pipeline: blind indexes and sealing from the vault,
// the consent gate from the manifest, the policy and the consent ledger.
func (a *App) newCollector(reg prometheus.Registerer) (*collect.Collector, error) {
	g, err := a.newGate()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, nil
	}
	return collect.New(collect.Config{Store: a.Store, Index: a.Index, Gate: g, Seal: sealer{a.Vault}, Registerer: reg, Recorded: a.recordSignals})
}

// recordSignals writes the consent signals an ingest request carried to the audit log.
// The appends run concurrently so the appender commits them as one batch.
func (a *App) recordSignals(ctx context.Context, recs []store.ConsentRecord) error {
	errs := make(chan error, len(recs))
	var wg sync.WaitGroup
	for _, r := range recs {
		wg.Add(1)
		go func(r store.ConsentRecord) {
			defer wg.Done()
			errs <- a.Record(ctx, audit.ActConsentChange, r.SubjectID, "subject", r.Purpose, "consent",
				map[string]string{"granted": strconv.FormatBool(r.Granted), "method": r.Method, "record": r.ID})
		}(r)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
