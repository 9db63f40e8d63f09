package profile

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Subjects is what the source reads about subjects themselves (no personal data).
type Subjects interface {
	Subject(ctx context.Context, id string) (store.Subject, error)
	SubjectFamily(ctx context.Context, id string) ([]string, error)
}

// ReaderSource reads people for the engine through the purpose-scoped reader under
// access.PurposeProfiling, so a profile holds no more than its purposes may read, and
// decides their standing with the policy and consent ledger in force.
type ReaderSource struct {
	Subjects Subjects
	Reader   *access.Reader
	Ledger   *consent.Ledger
	Regime   func() *regime.Regime
	Now      func() time.Time
}

var _ Source = (*ReaderSource)(nil)

func (s *ReaderSource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Facts implements Source.
func (s *ReaderSource) Facts(ctx context.Context, subjectID string, after int64) (Facts, bool, error) {
	sub, err := s.Subjects.Subject(ctx, subjectID)
	if errors.Is(err, store.ErrNotFound) || err == nil && sub.MergedInto != "" {
		return Facts{}, false, nil
	}
	if err != nil {
		return Facts{}, false, err
	}
	fam, err := s.Subjects.SubjectFamily(ctx, subjectID)
	if err != nil {
		return Facts{}, false, err
	}
	// The consent state is read once per reload: the reads are decided on it and Standing
	// reuses it, so both halves see the same state.
	st, err := s.Ledger.Current(ctx, subjectID)
	if err != nil {
		return Facts{}, false, err
	}
	f := Facts{Traits: map[string]expr.Value{}, LastSeq: after, Family: fam, Private: st}
	m := s.Regime().Manifest()
	for {
		evs, pg, err := s.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
			Purpose: access.PurposeProfiling, SubjectID: subjectID, After: f.LastSeq, Limit: 1000, Consent: st})
		if err != nil {
			return Facts{}, false, err
		}
		for _, ev := range evs {
			s.add(m, &f, ev)
		}
		f.LastSeq = pg.Last
		if !pg.More {
			return f, true, nil
		}
	}
}

// add folds one readable event into the facts: identify traits (flattened below traits.),
// the age from a birthday, and the event with its numeric properties.
func (s *ReaderSource) add(m *manifest.Manifest, f *Facts, ev access.Event) {
	name := manifest.EventType(ev.Type, ev.Name)
	if ev.Type == "identify" {
		if traits, ok := ev.Fields["traits"].(map[string]any); ok {
			flatten("", traits, func(path string, v any) {
				if path == "birthday" {
					if age, ok := ageOn(v, s.now()); ok {
						f.Age, f.AgeKnown = age, true
					}
					return
				}
				var val expr.Value
				switch x := v.(type) {
				case string:
					val = expr.Value{Kind: expr.String, Str: x}
				case float64:
					val = expr.Value{Kind: expr.Number, Num: x}
				default:
					return
				}
				f.Traits[path] = val
				// trait("city") names traits.address.city when no other trait ends in city.
				if i := strings.LastIndexByte(path, '.'); i >= 0 {
					if fld, ok := m.TraitField(path[i+1:]); ok && fld.Path == "traits."+path {
						f.Traits[path[i+1:]] = val
					}
				}
			})
		}
	}
	props := map[string]float64{}
	if p, ok := ev.Fields["properties"].(map[string]any); ok {
		for k, v := range p {
			if x, ok := v.(float64); ok {
				props[k] = x
			}
		}
	}
	if len(props) == 0 {
		props = nil
	}
	f.Events = append(f.Events, Event{Seq: ev.Seq, Name: name, At: ev.OccurredAt, Props: props})
}

func flatten(prefix string, m map[string]any, fn func(string, any)) {
	for k, v := range m {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if child, ok := v.(map[string]any); ok {
			flatten(path, child, fn)
			continue
		}
		fn(path, v)
	}
}

// ageOn reads a YYYY-MM-DD birthday and returns the age in whole years at now.
func ageOn(v any, now time.Time) (int, bool) {
	s, ok := v.(string)
	if !ok || len(s) < 10 {
		return 0, false
	}
	b, err := time.Parse("2006-01-02", s[:10])
	if err != nil || b.After(now) {
		return 0, false
	}
	age := now.Year() - b.Year()
	if now.YearDay() < b.YearDay() {
		age--
	}
	return age, true
}

// Standing implements Source.
func (s *ReaderSource) Standing(ctx context.Context, subjectID string, f Facts, _ []string) (Standing, error) {
	st, ok := f.Private.(consent.State)
	if !ok {
		var err error
		if st, err = s.Ledger.Current(ctx, subjectID); err != nil {
			return Standing{}, err
		}
	}
	r := s.Regime()
	pd := r.Policy()
	subj := access.SubjectState(pd, st, f.AgeKnown, f.Age)
	out := Standing{Basis: map[string]bool{}, Permitted: map[string]bool{},
		Objection: st.Granted(consent.SignalObjectDirectMarketing), PersonalisationOff: st.Granted(consent.SignalPersonalisationOff),
		AdFree: subj.AdFree()}
	granted := st.Purposes()
	restricted := st.Granted(consent.SignalRestricted)
	for _, p := range r.Manifest().Taxonomy.Purposes() {
		// A restriction leaves storage alone standing (GDPR Art. 18(2)): no purpose has a
		// basis to reach the person, so audiences leave them out, not only tags.
		out.Basis[p.Key] = !restricted && (p.Basis != taxonomy.Consent || granted[p.Key])
		dec := pd.Decide(policy.Request{Subject: subj, Purpose: p.Key, Categories: []string{"user.behavior"}, Action: policy.Read})
		out.Permitted[p.Key] = dec.Effect == policy.Allow
	}
	return out, nil
}
