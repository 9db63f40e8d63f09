package stored

import (
	"maps"
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/dp"
)

// Schema is what a report under a purpose may read, by the manifest in force: the event
// types it sees and their properties, the traits it may group by, and whether it sees
// campaigns. Event names are the shop's tracking plan, not personal data: a report may
// declare them as public keys.
type Schema struct {
	Purpose  string        `json:"purpose"`
	Events   []SchemaEvent `json:"events"`
	Traits   []string      `json:"traits"`
	Campaign bool          `json:"campaign"`
}

// SchemaEvent is an event type with the properties the purpose may read of it.
type SchemaEvent struct {
	Name       string   `json:"name"`
	Properties []string `json:"properties"`
}

// Schema returns what a report under purpose may read.
func (s *Source) Schema(purpose string) (Schema, error) {
	m, _ := s.cfg.Manifest()
	if _, ok := m.Taxonomy.Purpose(purpose); !ok {
		return Schema{}, dp.ReportError("purpose", "%q is not a purpose of the manifest in force", purpose)
	}
	out := Schema{Purpose: purpose, Events: []SchemaEvent{}, Traits: []string{}}
	traits := map[string]bool{}
	for _, et := range slices.Sorted(maps.Keys(m.Events)) {
		ev := SchemaEvent{Name: et, Properties: []string{}}
		seen := false
		for _, path := range slices.Sorted(maps.Keys(m.Events[et].Fields)) {
			f := m.Events[et].Fields[path]
			if !serves(f, purpose) {
				continue
			}
			seen = true
			if p, ok := strings.CutPrefix(path, "properties."); ok {
				ev.Properties = append(ev.Properties, p)
			}
			if t, ok := strings.CutPrefix(path, "traits."); ok && et == "identify" {
				traits[t] = true
				if i := strings.LastIndexByte(t, '.'); i >= 0 {
					if tf, ok := m.TraitField(t[i+1:]); ok && tf.Path == path {
						traits[t[i+1:]] = true
					}
				}
			}
		}
		if f, ok := m.FieldFor(et, "context.campaign.name"); seen && ok && serves(f, purpose) {
			out.Campaign = true
		}
		if seen {
			out.Events = append(out.Events, ev)
		}
	}
	out.Traits = slices.Sorted(maps.Keys(traits))
	return out, nil
}
