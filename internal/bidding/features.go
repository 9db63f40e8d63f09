package bidding

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
)

// Reader is the purpose-scoped reader (*access.Reader).
type Reader interface {
	Events(ctx context.Context, req access.Request) ([]access.Event, error)
}

// ReaderFeatures builds ad features from what the advertising purpose may see of each
// person: feature j is how many of the person's visible events are named Events[j]
// (capped at MaxFeature). A person whose state refuses the purpose (access.ErrDenied),
// or of whom the purpose sees no event at all, is not ranked: default deny.
type ReaderFeatures struct {
	Reader Reader
	Events []string
	// Limit bounds the events read per person (default 1000).
	Limit int
}

// AdFeatures implements Features.
func (r ReaderFeatures) AdFeatures(ctx context.Context, ids []string) ([]Person, error) {
	if len(r.Events) == 0 || len(r.Events) > MaxFeatures {
		return nil, fmt.Errorf("%w: 1 to %d feature events", ErrConfig, MaxFeatures)
	}
	limit := r.Limit
	if limit <= 0 {
		limit = 1000
	}
	col := make(map[string]int, len(r.Events))
	for j, e := range r.Events {
		col[e] = j
	}
	var out []Person
	for _, id := range ids {
		evs, err := r.Reader.Events(ctx, access.Request{Actor: "system", Viewer: access.ViewerSystem, Purpose: Purpose,
			SubjectID: id, Limit: limit, Raw: true})
		if errors.Is(err, access.ErrDenied) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ad features: %w", err)
		}
		if len(evs) == 0 {
			continue
		}
		p := Person{ID: id, Features: make([]int64, len(r.Events))}
		for _, e := range evs {
			if j, ok := col[e.Name]; ok && p.Features[j] < MaxFeature {
				p.Features[j]++
			}
		}
		out = append(out, p)
	}
	return out, nil
}
