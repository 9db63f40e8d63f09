package app

import (
	"context"
	"fmt"
	"strconv"

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

// recordSignals writes the consent signals an ingest request carried to the audit log,
// in one AppendAll: the appender commits them together (with whatever else is pending).
func (a *App) recordSignals(ctx context.Context, recs []store.ConsentRecord) error {
	leaves := make([]audit.Leaf, len(recs))
	for i, r := range recs {
		leaves[i] = a.leaf(audit.ActConsentChange, r.SubjectID, "subject", r.Purpose, "consent",
			map[string]string{"granted": strconv.FormatBool(r.Granted), "method": r.Method, "record": r.ID})
	}
	if _, err := a.audit.app.AppendAll(ctx, leaves); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
