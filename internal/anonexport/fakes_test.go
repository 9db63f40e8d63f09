package anonexport_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/segment"
)

// shop is a fake profile engine, subject list, policy and audit log over people held in
// memory: what the service sees of the real ones, and nothing else.
type shop struct {
	m        *manifest.Manifest
	people   map[string]profile.Person
	refused  map[string]bool            // subject → refuses every consent-based purpose
	denied   map[string]map[string]bool // subject → categories the policy denies them
	segments []profile.SegmentView
	mu       sync.Mutex
	recorded []recorded
}

type recorded struct {
	e   audit.Event
	ids []string
}

func newShop(m *manifest.Manifest) *shop {
	return &shop{m: m, people: map[string]profile.Person{}, refused: map[string]bool{}, denied: map[string]map[string]bool{}}
}

func (s *shop) service() *anonexport.Service {
	svc, err := anonexport.New(anonexport.Config{Profiles: s, Subjects: s, Decider: s, Manifest: func() *manifest.Manifest { return s.m }, Recorder: s})
	if err != nil {
		panic(err)
	}
	return svc
}

func (s *shop) CheckReady() error { return nil }

func (s *shop) PersonOf(id string, traits []string, specs []profile.AttributeSpec) (profile.Person, bool) {
	p, ok := s.people[id]
	if !ok {
		return profile.Person{}, false
	}
	out := profile.Person{Traits: map[string]any{}, Tags: p.Tags, Segments: p.Segments}
	for _, t := range traits {
		if v, ok := p.Traits[t]; ok {
			out.Traits[t] = v
		}
	}
	for _, sp := range specs {
		for _, a := range p.Attributes {
			if a.Name == sp.Name {
				out.Attributes = append(out.Attributes, a)
			}
		}
	}
	return out, true
}

func (s *shop) Tags() []profile.TagView {
	var out []profile.TagView
	for _, t := range s.m.Tags {
		out = append(out, profile.TagView{Tag: t, Origin: "manifest"})
	}
	return out
}

func (s *shop) Segment(name string) (profile.SegmentView, bool) {
	for _, v := range s.segments {
		if v.Name == name {
			return v, true
		}
	}
	return profile.SegmentView{}, false
}

func (s *shop) Segments() []profile.SegmentView { return s.segments }

// CompileSegment checks an expression as the engine does: against what the purpose may read.
func (s *shop) CompileSegment(def profile.SegmentDef) (*segment.Plan, error) {
	var tags []string
	for _, t := range s.m.Tags {
		tags = append(tags, t.Name)
	}
	return segment.CompileChecked(def.Expression, s.m.SegmentSchema(def.Purpose, tags))
}

func (s *shop) LiveSubjects(_ context.Context, after string, limit int) ([]string, error) {
	ids := make([]string, 0, len(s.people))
	for id := range s.people {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	i := sort.SearchStrings(ids, after)
	if i < len(ids) && ids[i] == after {
		i++
	}
	return ids[i:min(i+limit, len(ids))], nil
}

// For is the policy in miniature: a person who refused consent-based purposes is denied
// them; a denied category is denied.
func (s *shop) For(_ context.Context, id string, _ consent.State) (func(purpose, category string) (access.Effect, string), error) {
	return func(purpose, category string) (access.Effect, string) {
		p, _ := s.m.Taxonomy.Purpose(purpose)
		if s.refused[id] && p.NeedsConsent() {
			return access.Deny, "no_consent"
		}
		if s.denied[id][category] {
			return access.Deny, "denied"
		}
		return access.Allow, "ok"
	}, nil
}

func (s *shop) RecordAudience(_ context.Context, e audit.Event, ids []string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = append(s.recorded, recorded{e, slices.Clone(ids)})
	return uint64(len(s.recorded) - 1), nil
}

// Attribute names as the purpose's profile shows them.
const (
	orders90  = `count("Order Completed", 90d)`
	revenue90 = `sum("Order Completed", "revenue", 90d)`
	sinceLast = `days_since("Order Completed")`
)

var cities = []string{"上海", "北京", "深圳", "广州", "杭州", "南京", "Berlin", "Paris", "Atlantis", ""}

// populate adds n shoppers with deterministic, varied values: city (one not in the
// manifest's hierarchy, one missing), gender, account creation date, the recent_buyer and
// repeat_buyer tags, orders, revenue and days since the last order.
func (s *shop) populate(n int) {
	for i := range n {
		id := fmt.Sprintf("s%03d", i)
		p := profile.Person{Traits: map[string]any{}, Tags: []string{}, Segments: []string{}}
		if c := cities[i%len(cities)]; c != "" {
			p.Traits["address.city"] = c
		}
		p.Traits["gender"] = []string{"female", "male"}[(i/10)%2]
		p.Traits["createdAt"] = fmt.Sprintf("202%d-%02d-%02dT08:%02d:00.000Z", 3+i%3, 1+i%12, 1+i%28, i%60)
		orders := i % 6
		if orders > 0 {
			p.Attributes = append(p.Attributes, profile.Attribute{Name: orders90, Value: float64(orders)},
				profile.Attribute{Name: revenue90, Value: float64(orders*37) + 0.5},
				profile.Attribute{Name: sinceLast, Value: float64(i % 80)})
			p.Tags = append(p.Tags, "recent_buyer")
		}
		if orders >= 2 {
			p.Tags = append(p.Tags, "repeat_buyer")
		}
		if i%3 == 0 {
			p.Segments = append(p.Segments, "buyers")
		}
		s.people[id] = p
	}
}

func segmentView(name, expression, purpose string) profile.SegmentView {
	return profile.SegmentView{SegmentDef: profile.SegmentDef{Name: name, Expression: expression, Purpose: purpose}}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
