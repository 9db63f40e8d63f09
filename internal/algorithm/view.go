package algorithm

import (
	"context"
	"time"
)

// Namer names purposes and data categories for people (the regime in force).
type Namer interface {
	PurposeName(key, lang string) string
	CategoryName(key, lang string) string
}

// PublicEntry is an algorithm as the public page and the privacy center show it, in one
// language.
type PublicEntry struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Kind         Kind          `json:"kind"`
	Purpose      string        `json:"purpose"`
	PurposeName  string        `json:"purpose_name"`
	Principles   string        `json:"principles"`
	Intent       string        `json:"intent"`
	Mechanism    string        `json:"mechanism"`
	Inputs       []PublicInput `json:"inputs"`
	OptOut       string        `json:"opt_out"`
	FilingNumber string        `json:"filing_number,omitempty"`
	Significant  bool          `json:"significant"`
	// LastReviewed is the day of the latest assessment, if any.
	LastReviewed string `json:"last_reviewed,omitempty"`
}

// PublicInput is one input in one language.
type PublicInput struct {
	Category     string `json:"category"`
	CategoryName string `json:"category_name"`
	What         string `json:"what"`
}

// PublicList is the register as published.
type PublicList struct {
	Lang       string        `json:"lang"`
	Algorithms []PublicEntry `json:"algorithms"`
}

// Public returns the register in lang for everyone to read (PT-01: the basic principles,
// purpose and main mechanisms of every algorithm, published).
func (r *Register) Public(ctx context.Context, lang string, names Namer) (PublicList, error) {
	list, err := r.List(ctx)
	if err != nil {
		return PublicList{}, err
	}
	out := PublicList{Lang: lang, Algorithms: make([]PublicEntry, 0, len(list))}
	for _, e := range list {
		p := PublicEntry{ID: e.ID, Name: e.Name.In(lang), Kind: e.Kind, Purpose: e.Purpose, PurposeName: e.Purpose,
			Principles: e.Principles.In(lang), Intent: e.Intent.In(lang), Mechanism: e.Mechanism.In(lang), OptOut: e.OptOut.In(lang),
			FilingNumber: e.FilingNumber, Significant: e.Significant}
		if names != nil {
			p.PurposeName = names.PurposeName(e.Purpose, lang)
		}
		for _, in := range e.Inputs {
			pi := PublicInput{Category: in.Category, CategoryName: in.Category, What: in.What.In(lang)}
			if names != nil {
				pi.CategoryName = names.CategoryName(in.Category, lang)
			}
			p.Inputs = append(p.Inputs, pi)
		}
		if e.Last != nil {
			p.LastReviewed = e.Last.ReviewedAt.UTC().Format(time.DateOnly)
		}
		out.Algorithms = append(out.Algorithms, p)
	}
	return out, nil
}
