package anonexport

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/profile"
)

// Exclusion reasons, counted in a preview.
const (
	// ReasonNotPermitted: the person's state (consent, objection, restriction, age) does
	// not let the purpose read a category of the chosen columns.
	ReasonNotPermitted = "not_permitted"
)

// Population says who the table holds: counts only, never who.
type Population struct {
	// Considered are the people with a profile (in the segment, when one is named).
	Considered int `json:"considered"`
	// Included are the people in the table.
	Included int         `json:"included"`
	Excluded []Exclusion `json:"excluded"`
}

// Exclusion counts people left out for one reason.
type Exclusion struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// table is the export's data before anonymisation: one row per person, the columns in the
// order given, and who each row is (for the audit leaf only; ids never reach a row).
type table struct {
	header   []string
	rows     [][]string
	subjects []string
	pop      Population
}

// gather builds the table of cols for purpose (limited to segment's members when set): the
// people the profile engine holds whose state lets the purpose read every category of
// every column, each with the column values, shuffled.
func (s *Service) gather(ctx context.Context, purpose, segment string, cols []Column) (*table, error) {
	var traits []string
	var specs []profile.AttributeSpec
	cats := map[string]bool{}
	for _, c := range cols {
		switch c.Kind {
		case KindTrait:
			traits = append(traits, c.Name)
		case KindAttribute:
			specs = append(specs, c.spec)
		}
		for _, cat := range c.Categories {
			cats[cat] = true
		}
	}
	categories := make([]string, 0, len(cats))
	for c := range cats {
		categories = append(categories, c)
	}
	slices.Sort(categories)
	t := &table{}
	for _, c := range cols {
		t.header = append(t.header, c.ID)
	}
	excluded := 0
	after := ""
	for {
		ids, err := s.cfg.Subjects.LiveSubjects(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			p, ok := s.cfg.Profiles.PersonOf(id, traits, specs)
			if !ok || segment != "" && !slices.Contains(p.Segments, segment) {
				continue
			}
			t.pop.Considered++
			ask, err := s.cfg.Decider.For(ctx, id, nil)
			if err != nil {
				return nil, err
			}
			permitted := true
			for _, cat := range categories {
				if e, _ := ask(purpose, cat); e != access.Allow {
					permitted = false
					break
				}
			}
			if !permitted {
				excluded++
				continue
			}
			if len(t.rows) >= s.cfg.MaxPeople {
				return nil, fmt.Errorf("%w: more than %d people; name a segment to export part of them", ErrInvalid, s.cfg.MaxPeople)
			}
			row := make([]string, len(cols))
			for i, c := range cols {
				row[i] = valueOf(c, p)
			}
			t.rows = append(t.rows, row)
			t.subjects = append(t.subjects, id)
		}
	}
	t.pop.Included = len(t.rows)
	t.pop.Excluded = []Exclusion{{Reason: ReasonNotPermitted, Count: excluded}}
	return t, nil
}

// shuffle puts the rows in a fresh random order (the subjects with them), so that the
// order of a release says nothing and two releases cannot be joined row by row.
func (t *table) shuffle() {
	var seed [32]byte
	crand.Read(seed[:]) // never fails (crypto/rand panics rather than return an error)
	r := rand.New(rand.NewChaCha8(seed))
	r.Shuffle(len(t.rows), func(i, j int) {
		t.rows[i], t.rows[j] = t.rows[j], t.rows[i]
		t.subjects[i], t.subjects[j] = t.subjects[j], t.subjects[i]
	})
}

// valueOf renders one person's value of a column: tags as true or false, numbers in
// their shortest form, a missing value (or an absent count or sum's zero) as "" (or "0").
func valueOf(c Column, p profile.Person) string {
	switch c.Kind {
	case KindTag:
		return strconv.FormatBool(slices.Contains(p.Tags, c.Name))
	case KindAttribute:
		for _, a := range p.Attributes {
			if a.Name == c.Name {
				return strconv.FormatFloat(a.Value, 'f', -1, 64)
			}
		}
		if c.zeroWhenAbsent() {
			return "0"
		}
		return ""
	}
	switch v := p.Traits[c.Name].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
