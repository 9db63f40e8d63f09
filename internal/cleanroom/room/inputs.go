package room

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/cleanroom"
)

// InputQuery asks for one side's people of a job.
type InputQuery struct {
	Purpose string
	MatchOn cleanroom.MatchOn
	// Segment, when set, narrows the people to a segment's members.
	Segment string
	// Value, on the partner's side of intersection_sum, is what is summed per person.
	Value *ValueSpec
	Now   time.Time
}

// InputSet is one side's people of a job: their match keys (and values), and the
// subjects they are, for the audit log's audience. Nothing else leaves the reader.
type InputSet struct {
	Inputs   []cleanroom.Input
	Subjects []string
}

// Inputs reads a job's consented people.
type Inputs interface {
	Read(ctx context.Context, q InputQuery) (InputSet, error)
}

// Subjects lists the people a job may consider.
type Subjects interface {
	LiveSubjects(ctx context.Context, after string, limit int) ([]string, error)
}

// Segments resolves a segment's members (the profile engine).
type Segments interface {
	Members(ctx context.Context, segment string) ([]string, error)
}

// ReaderInputs reads a job's people through the purpose-scoped reader, under the job's
// purpose, as Steward itself (access.ViewerSystem): a person whose consent state does not
// allow the purpose yields nothing and does not enter; a person enters with the latest
// email address or phone number the purpose may read (traits.email, traits.phone), and on
// the partner's side of intersection_sum with the sum of the value's property over its
// events in the window.
type ReaderInputs struct {
	Subjects Subjects
	Reader   *access.Reader
	// Segments is needed only for jobs that name a segment.
	Segments Segments
}

var _ Inputs = (*ReaderInputs)(nil)

// ErrNoSegments: a job names a segment but this instance resolves none.
var ErrNoSegments = errors.New("clean room: segments are not available")

// Read implements Inputs.
func (r *ReaderInputs) Read(ctx context.Context, q InputQuery) (InputSet, error) {
	var ids []string
	if q.Segment != "" {
		if r.Segments == nil {
			return InputSet{}, ErrNoSegments
		}
		m, err := r.Segments.Members(ctx, q.Segment)
		if err != nil {
			return InputSet{}, err
		}
		ids = m
	} else {
		for after := ""; ; {
			page, err := r.Subjects.LiveSubjects(ctx, after, 1000)
			if err != nil {
				return InputSet{}, err
			}
			ids = append(ids, page...)
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1]
		}
	}
	var since time.Time
	prop := ""
	if q.Value != nil {
		w, err := q.Value.Duration()
		if err != nil {
			return InputSet{}, err
		}
		since = q.Now.Add(-w)
		prop = strings.TrimPrefix(q.Value.Property, "properties.")
	}
	trait := "email"
	if q.MatchOn == cleanroom.MatchPhone {
		trait = "phone"
	}
	var set InputSet
	for _, id := range ids {
		key, value := "", uint64(0)
		after := int64(0)
		for {
			evs, pg, err := r.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem, Purpose: q.Purpose,
				SubjectID: id, After: after, Limit: 1000})
			if errors.Is(err, access.ErrDenied) {
				break
			}
			if err != nil {
				return InputSet{}, fmt.Errorf("clean-room inputs: %w", err)
			}
			for _, ev := range evs {
				if traits, ok := ev.Fields["traits"].(map[string]any); ok {
					if v, ok := traits[trait].(string); ok && strings.TrimSpace(v) != "" {
						key = v
					}
				}
				if q.Value != nil && ev.Name == q.Value.Event && !ev.OccurredAt.Before(since) && !ev.OccurredAt.After(q.Now) {
					if props, ok := ev.Fields["properties"].(map[string]any); ok {
						value = addCents(value, props[prop])
					}
				}
			}
			after = pg.Last
			if !pg.More {
				break
			}
		}
		if key == "" {
			continue // the purpose may not read a match key of this person: they do not enter
		}
		set.Inputs = append(set.Inputs, cleanroom.Input{Key: key, Value: value})
		set.Subjects = append(set.Subjects, id)
	}
	return set, nil
}

// addCents adds round(100·v) of a numeric value (negative and non-numeric values add
// nothing), saturating at cleanroom.MaxValue (the protocol clamps there too).
func addCents(sum uint64, v any) uint64 {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || f <= 0 {
		return sum
	}
	c := math.Round(f * 100)
	if c >= cleanroom.MaxValue || sum+uint64(c) > cleanroom.MaxValue {
		return cleanroom.MaxValue
	}
	return sum + uint64(c)
}
