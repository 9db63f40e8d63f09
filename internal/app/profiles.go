package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// purposeProfiling is the read the profile engine makes through the access reader: a
// category is visible when at least one profiling purpose may read it for the person (so a
// profile holds no more than the purposes it serves could see), plus the date of birth under
// essential.service, which is read only to tell minors apart (PIPL Art. 31: minors are never
// targeted by advertising) and kept as an age, never as a trait.
const purposeProfiling = "system.profiling"

// profilingPurposes are the purposes a profile is built for, where the manifest has them.
var profilingPurposes = []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling",
	"marketing.advertising.first_party"}

const categoryBirthday = "user.demographic.date_of_birth"

// profilingEffect is the profile read's effect for one category.
func (d *accessDecider) profilingEffect(subj policy.SubjectState, category string) access.Effect {
	if category == categoryBirthday {
		if d.pd.Decide(policy.Request{Subject: subj, Purpose: "essential.service", Categories: []string{category}, Action: policy.Read}).Effect == policy.Allow {
			return access.Allow
		}
		return access.Deny
	}
	best := access.Deny
	for _, p := range profilingPurposes {
		if _, ok := d.a.Manifest().Taxonomy.Purpose(p); !ok {
			continue
		}
		switch d.pd.Decide(policy.Request{Subject: subj, Purpose: p, Categories: []string{category}, Action: policy.Read}).Effect {
		case policy.Allow:
			return access.Allow
		case policy.AllowMasked:
			best = access.AllowMasked
		}
	}
	return best
}

// profileSource reads people for the profile engine.
type profileSource struct{ a *App }

func (s profileSource) Facts(ctx context.Context, subjectID string, after int64) (profile.Facts, bool, error) {
	sub, err := s.a.Store.Subject(ctx, subjectID)
	if errors.Is(err, store.ErrNotFound) || err == nil && sub.MergedInto != "" {
		return profile.Facts{}, false, nil
	}
	if err != nil {
		return profile.Facts{}, false, err
	}
	fam, err := s.a.Store.SubjectFamily(ctx, subjectID)
	if err != nil {
		return profile.Facts{}, false, err
	}
	f := profile.Facts{Traits: map[string]expr.Value{}, LastSeq: after, Family: fam}
	dec := newAccessDecider(s.a)
	r := access.NewReader(s.a.Store, s.a.Vault, rules{s.a}, dec, maskValue)
	for {
		evs, pg, err := r.EventsPage(ctx, access.Request{Actor: "system", Purpose: purposeProfiling, SubjectID: subjectID, After: f.LastSeq, Limit: 1000})
		if err != nil {
			return profile.Facts{}, false, err
		}
		for _, ev := range evs {
			s.add(&f, ev)
		}
		f.LastSeq = pg.Last
		if !pg.More {
			// Standing reuses the consent state the reads were decided on: one ledger
			// read per reload instead of two, and both halves see the same state.
			if st, ok := dec.consent[subjectID]; ok {
				f.Private = st
			}
			return f, true, nil
		}
	}
}

// add folds one readable event into the facts: identify traits (flattened below traits.),
// the age from a birthday, and the event with its numeric properties.
func (s profileSource) add(f *profile.Facts, ev access.Event) {
	name := manifest.EventType(ev.Type, ev.Name)
	m := s.a.Manifest()
	if ev.Type == "identify" {
		if traits, ok := ev.Fields["traits"].(map[string]any); ok {
			flatten("", traits, func(path string, v any) {
				if path == "birthday" {
					if age, ok := ageOn(v, time.Now()); ok {
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
	f.Events = append(f.Events, profile.Event{Seq: ev.Seq, Name: name, At: ev.OccurredAt, Props: props})
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

func (s profileSource) Standing(ctx context.Context, subjectID string, f profile.Facts, _ []string) (profile.Standing, error) {
	st, ok := f.Private.(consent.State)
	if !ok {
		var err error
		if st, err = s.a.Consent.State(ctx, subjectID); err != nil {
			return profile.Standing{}, err
		}
		st, _ = s.a.Effective(st)
	}
	stored := storedOf(st)
	sig := &gate.Signals{Consents: stored.Consents, PersonalisationOff: stored.PersonalisationOff,
		ObjectDirectMarketing: stored.ObjectDirectMarketing, GPC: stored.GPC, Guardian: stored.Guardian, AgeKnown: f.AgeKnown, Age: f.Age}
	pd := s.a.Policy()
	subj := pd.Subject(factsOf(sig))
	out := profile.Standing{Basis: map[string]bool{}, Permitted: map[string]bool{},
		Objection: st.Granted(consent.SignalObjectDirectMarketing), PersonalisationOff: st.Granted(consent.SignalPersonalisationOff)}
	granted := st.Purposes()
	for _, p := range s.a.Manifest().Taxonomy.Purposes() {
		out.Basis[p.Key] = p.Basis != taxonomy.Consent || granted[p.Key]
		dec := pd.Decide(policy.Request{Subject: subj, Purpose: p.Key, Categories: []string{"user.behavior"}, Action: policy.Read})
		out.Permitted[p.Key] = dec.Effect == policy.Allow
	}
	return out, nil
}

// newProfiles builds the profile engine over the manifest in force.
func (a *App) newProfiles() (*profile.Engine, error) {
	return profile.New(profile.Config{Store: a.Store, Source: profileSource{a}, Manifest: a.Manifest, Log: a.Log,
		Advertising: func(purpose string) bool {
			p, ok := a.Manifest().Taxonomy.Purpose(purpose)
			return ok && (p.Advertising() || strings.HasPrefix(purpose, "marketing.advertising"))
		}})
}

// runProfiles loads every profile, then keeps them current until ctx ends.
func (a *App) runProfiles(ctx context.Context) {
	start := time.Now()
	if err := a.Profiles.Load(ctx); err != nil {
		if ctx.Err() == nil {
			a.Log.Error("profiles: load failed; tags and segments stay empty", "err", err)
		}
		return
	}
	a.Log.Info("profiles loaded", "took", time.Since(start).Round(time.Millisecond).String())
	a.Profiles.Run(ctx, profileTick)
}

// profileTick is how often new events reach profiles, tags and segments (issue 8 item 5
// asks for at most 5 s).
const profileTick = 500 * time.Millisecond

// touchProfile recomputes one person after a change that is not an event (consent,
// personalisation), so a withdrawal takes their tags and memberships away at once. A
// failure is logged: the next refresh repairs it, and the person's choice is already kept.
func (a *App) touchProfile(ctx context.Context, subjectID string) {
	if a.Profiles == nil || !a.Profiles.Ready() {
		return
	}
	if err := a.Profiles.Touch(ctx, subjectID); err != nil {
		a.Log.Warn("profiles: recompute after a change failed", "err", err)
	}
}
