package assessment

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/transfer"
)

// Registers reads the measured facts off the transfer register and the retention service.
type Registers struct {
	Transfers interface {
		Register(ctx context.Context, year int) (transfer.Register, error)
	}
	Retention interface {
		LastRun(ctx context.Context) (time.Time, error)
	}
}

var _ Measures = Registers{}

// Transferred sums the people sent abroad this year for the purpose (per transfer; the
// register's distinct totals are across purposes).
func (r Registers) Transferred(ctx context.Context, purpose string) (general, sensitive int64, err error) {
	if r.Transfers == nil {
		return 0, 0, nil
	}
	reg, err := r.Transfers.Register(ctx, 0)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range reg.Entries {
		if purpose != "" && e.Purpose != purpose {
			continue
		}
		if e.Sensitive {
			sensitive += int64(e.Individuals)
		} else {
			general += int64(e.Individuals)
		}
	}
	return general, sensitive, nil
}

// LastRetentionRun is when retention last ran.
func (r Registers) LastRetentionRun(ctx context.Context) (time.Time, error) {
	if r.Retention == nil {
		return time.Time{}, nil
	}
	return r.Retention.LastRun(ctx)
}

// RetentionDays is the enforced retention of a category under m.
func (Registers) RetentionDays(m *manifest.Manifest, category string) (int, string) {
	d, e, _ := retention.PlanFor(m).CategoryDays(category)
	return d, e
}
