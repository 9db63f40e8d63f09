package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stewardhq/steward/internal/collect"
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
	return collect.New(collect.Config{Store: a.Store, Index: a.Index, Gate: g, Seal: sealer{a.Vault}, Registerer: reg})
}
