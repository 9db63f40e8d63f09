package stored

import (
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/dp"
)

// filter is what a query needs of a person: the source hands over no more than that
// (the engine would ignore the rest), which keeps a report's work proportional to it.
type filter struct {
	event    string
	from, to int64 // Unix milliseconds; 0: open
	props    []string
	traits   []string
	campaign bool
	noEvents bool // person-level report: no events at all
}

func newFilter(q dp.Query) filter {
	f := filter{event: q.Event, props: q.Properties, traits: q.Traits, campaign: q.Campaign, noEvents: q.PersonLevel}
	if !q.From.IsZero() {
		f.from = q.From.UnixMilli()
	}
	if !q.To.IsZero() {
		f.to = q.To.UnixMilli()
	}
	return f
}

// personDecoder turns opened extracts into dp.Person values, one worker's worth.
type personDecoder struct {
	in interner
	f  filter
	ms []membership
	x  extract
}

// item is a person handed to the report, with the maps its events' properties use: both
// reused once the report is done with them.
type item struct {
	p     dp.Person
	props []map[string]float64
}

// person fills it from an opened extract.
func (d *personDecoder) person(b []byte, id string, it *item) error {
	if err := decode(b, d.in, &d.x); err != nil {
		return err
	}
	p := &it.p
	p.ID = id
	clear(p.Traits)
	for _, t := range d.x.traits {
		if slices.Contains(d.f.traits, t.key) {
			p.Traits[t.key] = t.value
		}
	}
	p.Tags, p.Segments = p.Tags[:0], p.Segments[:0]
	for i := range d.ms {
		if d.ms[i].set[id] {
			if d.ms[i].tag {
				p.Tags = append(p.Tags, d.ms[i].name)
			} else {
				p.Segments = append(p.Segments, d.ms[i].name)
			}
		}
	}
	p.Events = p.Events[:0]
	if d.f.noEvents {
		return nil
	}
	for k := range d.x.events {
		e := &d.x.events[k]
		if d.f.event != "" && e.name != d.f.event || d.f.from != 0 && e.at < d.f.from || d.f.to != 0 && e.at >= d.f.to {
			continue
		}
		ev := dp.Event{Name: e.name, At: time.UnixMilli(e.at).UTC()}
		if d.f.campaign {
			ev.Campaign = e.campaign
		}
		if len(d.f.props) > 0 {
			for _, pr := range e.props {
				if !slices.Contains(d.f.props, pr.name) {
					continue
				}
				if ev.Props == nil {
					n := len(p.Events)
					for len(it.props) <= n {
						it.props = append(it.props, map[string]float64{})
					}
					ev.Props = it.props[n]
					clear(ev.Props)
				}
				ev.Props[pr.name] = pr.value
			}
		}
		p.Events = append(p.Events, ev)
	}
	return nil
}
