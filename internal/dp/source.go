package dp

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Source yields the data a report reads, one person at a time. The app implements it over
// the purpose-scoped reader (internal/access): People yields only people whose state allows
// the purpose, with only what the purpose may read of them, so a person whose consent
// refuses the purpose is simply not in the data (issue 20 item 1).
type Source interface {
	// People calls fn once per person q.Purpose may read. q's other fields say what the
	// report needs; a source may hand over more (the engine filters again), never less.
	// fn must not keep p or anything in it after it returns; the source may reuse them.
	// An error from fn stops the walk and is returned.
	People(ctx context.Context, q Query, fn func(p *Person) error) error
	// Version names the state of the data q may read: it must change whenever what People
	// would yield for q changes (new events, a consent change, an erasure, a tag or
	// segment q groups by changing hands). The same query over the same version is
	// answered from the stored release without a new charge; "" means the source cannot
	// tell, and every query is charged afresh.
	Version(ctx context.Context, q Query) (string, error)
}

// Checker is a Source that can refuse a query before anything is charged: a purpose the
// manifest does not know, a trait, event or property the purpose may not read, a tag or
// segment built for another purpose. Ledger.Report asks it first, for dry runs too; its
// refusals are *SpecError (ErrInvalidSpec), or ErrSourceUnavailable when the source
// cannot answer yet.
type Checker interface {
	Check(ctx context.Context, q Query) error
}

// ErrSourceUnavailable: the source cannot answer this query yet (e.g. profiles still
// loading for a report that groups by a tag); nothing was charged.
var ErrSourceUnavailable = errors.New("report: the data is not available yet; try again shortly")

// ReportError is a refusal a Checker words itself: field names the spec's field (e.g.
// "group_by[0]"), as a *SpecError does.
func ReportError(field, format string, args ...any) error {
	return reportErr(field, format, args...)
}

// Query is what a report asks of a Source.
type Query struct {
	Purpose  string
	Event    string    // "" for every event
	From, To time.Time // [From, To); zero for unbounded
	// Properties are the numeric event properties the report reads.
	Properties []string
	// Traits, Tags and Segments name the person-level values the report groups by.
	Traits, Tags, Segments []string
	Campaign               bool
	// PersonLevel is true when the report needs no events at all (count_people grouped
	// by person-level dimensions only, no event named, no time range).
	PersonLevel bool
	// DryRun: the report is only priced, nothing is read (a Checker may start preparing).
	DryRun bool
}

// Person is one privacy unit: everything a report may read about one person. ID identifies
// the person for bounding only; it never leaves the engine.
type Person struct {
	ID       string
	Traits   map[string]string
	Tags     []string // tags the person carries
	Segments []string // segments the person is a member of
	Events   []Event
}

// Event is one event as a report reads it.
type Event struct {
	Name     string
	At       time.Time
	Props    map[string]float64 // numeric properties
	Campaign string             // campaign the event belongs to, "" if none
}

// MemorySource is a Source over people held in memory: for tests, benchmarks and small
// imports. Every change through Set moves its version.
type MemorySource struct {
	mu      sync.RWMutex
	people  []Person
	version int64
}

// NewMemorySource returns a source holding people (not copied).
func NewMemorySource(people []Person) *MemorySource {
	return &MemorySource{people: people, version: 1}
}

// Set replaces the people and moves the version.
func (m *MemorySource) Set(people []Person) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.people = people
	m.version++
}

// Len returns how many people the source holds.
func (m *MemorySource) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.people)
}

// People implements Source; it yields everyone (the purpose is the caller's to honour when
// filling the source).
func (m *MemorySource) People(ctx context.Context, q Query, fn func(*Person) error) error {
	m.mu.RLock()
	people := m.people
	m.mu.RUnlock()
	for i := range people {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(&people[i]); err != nil {
			return err
		}
	}
	return nil
}

// Version implements Source.
func (m *MemorySource) Version(ctx context.Context, q Query) (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return "mem-" + strconv.FormatInt(m.version, 10), nil
}

// query is what plan p asks of a source.
func (p *plan) query() Query {
	q := Query{Purpose: p.spec.Purpose, Event: p.spec.Event, From: p.spec.From, To: p.spec.To}
	if p.spec.Property != "" {
		q.Properties = []string{p.spec.Property}
	}
	for _, d := range p.dims {
		switch d.kind {
		case dimTrait:
			q.Traits = append(q.Traits, d.Name)
		case dimTag:
			q.Tags = append(q.Tags, d.Name)
		case dimSegment:
			q.Segments = append(q.Segments, d.Name)
		case dimCampaign:
			q.Campaign = true
		}
	}
	q.PersonLevel = p.personLevel()
	q.DryRun = p.spec.DryRun
	return q
}

// personLevel: count_people grouped by the person's own values with no event named and no
// time range counts everyone the purpose may read, events or not.
func (p *plan) personLevel() bool {
	return p.spec.Measure == CountPeople && p.personal && p.spec.Event == "" && p.spec.From.IsZero() && p.spec.To.IsZero()
}

func hasString(list []string, s string) bool { return slices.Contains(list, s) }
