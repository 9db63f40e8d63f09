package recommend

import (
	"context"
	"errors"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// Read is what a Source hands the recommender about one person.
type Read struct {
	// Family is the person and everyone merged into them; a change means a full read.
	Family []string
	// LastSeq is the highest event seq looked at (the after asked for when nothing new).
	LastSeq int64
	// Permitted: the recommending purpose may act on this person now (the policy, given
	// their consent state). Personal is empty when it may not.
	Permitted bool
	// Personal are the interactions the recommending purpose may read (their history).
	Personal []Interaction
	// Aggregate are the interactions the popularity purpose may read (counted, never kept
	// per person beyond the set of items).
	Aggregate []Interaction
	// Items is what the events said about the items (names, product categories).
	Items map[string]ItemInfo
}

// Source reads people for the recommender.
type Source interface {
	// Read returns the person's interactions after seq after (0: everything); ok is false
	// when the subject no longer exists (erased, or merged into another).
	Read(ctx context.Context, subjectID string, after int64) (r Read, ok bool, err error)
}

// Subjects is what ReaderSource reads about subjects themselves (no personal data).
type Subjects interface {
	Subject(ctx context.Context, id string) (store.Subject, error)
	SubjectFamily(ctx context.Context, id string) ([]string, error)
}

// Ledger gives the consent state to decide with.
type Ledger interface {
	Current(ctx context.Context, subjectID string) (consent.State, error)
}

// ReaderSource reads people through the purpose-scoped reader: a person's history only
// under the recommending purpose (so the model never holds what that purpose may not
// read), popularity only under the popularity purpose.
type ReaderSource struct {
	Subjects Subjects
	Reader   *access.Reader
	Ledger   Ledger
	Regime   func() *regime.Regime
	// Purpose is the recommending purpose (default personalize.content); Popularity the
	// purpose popularity is counted under (default analytics.reporting).
	Purpose, Popularity string
}

var _ Source = (*ReaderSource)(nil)

// Read implements Source.
func (s *ReaderSource) Read(ctx context.Context, subjectID string, after int64) (Read, bool, error) {
	sub, err := s.Subjects.Subject(ctx, subjectID)
	if errors.Is(err, store.ErrNotFound) || err == nil && sub.MergedInto != "" {
		return Read{}, false, nil
	}
	if err != nil {
		return Read{}, false, err
	}
	fam, err := s.Subjects.SubjectFamily(ctx, subjectID)
	if err != nil {
		return Read{}, false, err
	}
	// One consent state for the whole read: the permission and both reads see the same.
	st, err := s.Ledger.Current(ctx, subjectID)
	if err != nil {
		return Read{}, false, err
	}
	r := s.Regime()
	purpose, popularity := or(s.Purpose, PurposeRecommend), or(s.Popularity, PurposePopularity)
	out := Read{Family: fam, LastSeq: after, Items: map[string]ItemInfo{}, Permitted: Permits(r, st, purpose)}
	read := func(p string, into *[]Interaction) error {
		last := after
		for {
			evs, pg, err := s.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
				Purpose: p, SubjectID: subjectID, After: last, Limit: 1000, Consent: st})
			if err != nil {
				return err
			}
			for _, ev := range evs {
				extract(ev, into, out.Items)
			}
			last = pg.Last
			if !pg.More {
				out.LastSeq = max(out.LastSeq, last)
				return nil
			}
		}
	}
	if out.Permitted {
		if err := read(purpose, &out.Personal); err != nil {
			return Read{}, false, err
		}
	}
	if err := read(popularity, &out.Aggregate); err != nil {
		return Read{}, false, err
	}
	return out, true, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// input says which events are interactions with items, and where the item is.
type input struct {
	event string
	kind  Kind
	// list: the items are objects in properties.products; else properties is the item.
	list bool
}

// inputs are the Segment e-commerce spec's events that say a person looked at, carted or
// bought an item.
var inputs = []input{
	{"Product Viewed", Viewed, false}, {"Product Clicked", Viewed, false}, {"Product Added", Carted, false},
	{"Order Completed", Bought, true},
}

// inputFields are the fields the recommender reads of those events (for the categories
// the permission asks about).
var inputFields = []struct{ event, path string }{
	{"Product Viewed", "properties.product_id"}, {"Product Added", "properties.product_id"}, {"Order Completed", "properties.products"},
}

// extract folds one readable event into interactions and item facts.
func extract(ev access.Event, into *[]Interaction, items map[string]ItemInfo) {
	name := ev.Name
	var in *input
	for i := range inputs {
		if inputs[i].event == name {
			in = &inputs[i]
		}
	}
	if in == nil || ev.Type != "track" {
		return
	}
	props, _ := ev.Fields["properties"].(map[string]any)
	one := func(obj map[string]any) {
		id, _ := obj["product_id"].(string)
		if id == "" || len(id) > 200 {
			return
		}
		*into = append(*into, Interaction{Item: id, Kind: in.kind, At: ev.OccurredAt})
		inf := items[id]
		if n, ok := obj["name"].(string); ok && n != "" && len(n) <= 200 {
			inf.Name = n
		}
		if c, ok := obj["category"].(string); ok && c != "" && len(c) <= 100 {
			inf.Category = c
		}
		items[id] = inf
	}
	if !in.list {
		if props != nil {
			one(props)
		}
		return
	}
	list, _ := props["products"].([]any)
	for _, x := range list {
		if obj, ok := x.(map[string]any); ok {
			one(obj)
		}
	}
}
