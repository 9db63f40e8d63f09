package stored

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// beneath reports whether something built for purpose `built` may serve a report under
// `report`: the same purpose or one beneath it.
func beneath(built, report string) bool { return taxonomy.Beneath(built, report) }

// serves reports whether a field listed for purposes may be read for purpose, as the
// reader decides it (the purpose is listed, or falls under one that is).
func serves(f manifest.Field, purpose string) bool {
	for _, p := range f.Purposes {
		if taxonomy.Beneath(purpose, p) {
			return true
		}
	}
	return false
}

// Check implements dp.Checker: it refuses, before anything is charged, a query that would
// read nothing or something its purpose may not — an unknown purpose, an event, property,
// trait or campaign the manifest does not let the purpose read, a tag or segment built for
// another purpose — so no budget is spent on an answer made of noise alone.
func (s *Source) Check(ctx context.Context, q dp.Query) error {
	m, _ := s.cfg.Manifest()
	if _, ok := m.Taxonomy.Purpose(q.Purpose); !ok {
		return dp.ReportError("purpose", "%q is not a purpose of the manifest in force", q.Purpose)
	}
	readable := func(et string) []manifest.Field {
		var out []manifest.Field
		for _, f := range m.Events[et].Fields {
			if serves(f, q.Purpose) {
				out = append(out, f)
			}
		}
		return out
	}
	if q.Event != "" {
		if _, ok := m.Events[q.Event]; !ok {
			return dp.ReportError("event", "%q is not an event type of the manifest (%s)", q.Event, strings.Join(eventTypes(m), ", "))
		}
		if len(readable(q.Event)) == 0 {
			return dp.ReportError("event", "the manifest lets %s read nothing of %q", q.Purpose, q.Event)
		}
	}
	for _, prop := range q.Properties {
		ok := false
		for et := range m.Events {
			if q.Event != "" && et != q.Event {
				continue
			}
			if f, has := m.Events[et].Fields["properties."+prop]; has && serves(f, q.Purpose) {
				ok = true
				break
			}
		}
		if !ok {
			where := "any event"
			if q.Event != "" {
				where = strconv.Quote(q.Event) + " events"
			}
			return dp.ReportError("property", "the manifest lets %s read no property %q of %s", q.Purpose, prop, where)
		}
	}
	for _, t := range q.Traits {
		if f, ok := m.TraitField(t); !ok || !serves(f, q.Purpose) {
			return dp.ReportError("group_by", "trait:%s: the manifest lets %s read no trait %q", t, q.Purpose, t)
		}
	}
	if q.Campaign {
		ok := false
		for et := range m.Events {
			if f, has := m.FieldFor(et, "context.campaign.name"); has && serves(f, q.Purpose) {
				ok = true
				break
			}
		}
		if !ok {
			return dp.ReportError("group_by", "campaign: the manifest lets %s read no campaign (context.campaign.name)", q.Purpose)
		}
	}
	if _, err := s.memberships(q); err != nil {
		return err
	}
	return s.prepare(q.Purpose, q.DryRun)
}

func eventTypes(m *manifest.Manifest) []string { return slices.Sorted(maps.Keys(m.Events)) }
