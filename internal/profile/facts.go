package profile

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/segment/expr"
)

// Event is one event as a profile holds it: name, time and numeric properties.
type Event struct {
	Seq   int64
	Name  string
	At    time.Time
	Props map[string]float64
}

// Facts is what a Source hands the engine about one person.
type Facts struct {
	// Traits are identify traits by name (path under traits.), last value wins.
	Traits map[string]expr.Value
	// Events are the person's events after the seq asked for, in seq order.
	Events []Event
	// LastSeq is the highest seq read (the after asked for when there is nothing new).
	LastSeq int64
	// Family is the person and everyone merged into them; a change means a full reload.
	Family []string
	// Age is the person's age in whole years when known (it decides "minor").
	Age      int
	AgeKnown bool
	// Private is the source's own: whatever it read for Facts that Standing can reuse for
	// the same person (the app keeps the consent state here, so a reload reads it once).
	Private any
}

// Standing is where a person stands for the purposes in use.
type Standing struct {
	// Basis: purpose → its legal basis holds (consent given, or a basis that needs none).
	Basis map[string]bool
	// Permitted: purpose → the policy permits profiling for it, all things considered
	// (basis, age, objection, personalisation switched off).
	Permitted          map[string]bool
	Objection          bool
	PersonalisationOff bool
	// AdFree: no advertising purpose applies (a privacy subscription, or an ad-free tier).
	AdFree bool
}

// Source reads people for the engine. The app implements it over the purpose-scoped
// reader, the consent ledger and the policy.
type Source interface {
	// Facts returns the person's facts with events after seq after (0: everything). ok is
	// false when the subject no longer exists (erased, or merged into another).
	Facts(ctx context.Context, subjectID string, after int64) (f Facts, ok bool, err error)
	// Standing returns the person's standing for the given purposes.
	Standing(ctx context.Context, subjectID string, f Facts, purposes []string) (Standing, error)
}
