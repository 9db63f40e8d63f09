package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// journeyBatch bounds how many due states one tick moves.
const journeyBatch = 1000

// enter puts people into a journey at its first step, once (or again after they finished,
// with reentry). People in the journey's holdout are recorded as held out and not entered
// — if the send-time checks would let a message reach them now: the held-out group must
// be comparable with the people who are sent messages, so someone the checks refuse (a
// minor, an objection, no consent) enters as anyone else and is skipped, with the reason,
// when the journey comes to send.
func (s *Service) enter(ctx context.Context, j *Journey, subjects []string) error {
	now := s.now()
	hold, err := s.holdable(ctx, j, subjects, now)
	if err != nil {
		return err
	}
	var held []store.CampaignMessage
	for _, sub := range subjects {
		st := store.JourneyState{JourneyID: j.ID, SubjectID: sub, Entry: 1, Status: store.JourneyActive, DueAt: now, EnteredAt: now, UpdatedAt: now}
		if hold[sub] {
			m := store.CampaignMessage{MessageID: MessageID(j.ID, "holdout", sub), CampaignID: j.ID, RunID: "holdout", SubjectID: sub,
				Channel: j.Channel.Type, Status: store.MessageHoldout, DecidedAt: now}
			if j.Conversion != nil {
				m.ConversionEvent, m.ConversionUntil = j.Conversion.Event, now.Add(j.Conversion.Window.D())
			}
			held = append(held, m)
			continue
		}
		ok, err := s.cfg.Store.EnterJourney(ctx, st)
		if err != nil {
			return err
		}
		if ok || !j.Reentry {
			continue
		}
		old, err := s.cfg.Store.GetJourneyState(ctx, j.ID, sub)
		if err != nil {
			return err
		}
		if old.Status == store.JourneyActive {
			continue
		}
		re := st
		re.Entry, re.Version = old.Entry+1, old.Version
		if _, err := s.cfg.Store.AdvanceJourneys(ctx, []store.JourneyState{re}); err != nil {
			return err
		}
	}
	if len(held) > 0 {
		_, err := s.cfg.Store.ReserveMessages(ctx, held, now, func(_ map[string][]store.CampaignMessage, f []store.CampaignMessage) []store.CampaignMessage {
			return f
		})
		return err
	}
	return nil
}

// holdable returns who of subjects falls in the journey's holdout and would pass the
// send-time checks of its first send step now.
func (s *Service) holdable(ctx context.Context, j *Journey, subjects []string, now time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	if j.Holdout <= 0 {
		return out, nil
	}
	var cands []string
	for _, sub := range subjects {
		if s.inHoldout(j.ID, sub, j.Holdout) {
			cands = append(cands, sub)
		}
	}
	step := slices.IndexFunc(j.Steps, func(st Step) bool { return st.Send != nil })
	if len(cands) == 0 || step < 0 {
		return out, nil
	}
	t := journeyTarget(j, step)
	decs, err := s.cfg.Eligibility.Check(ctx, cands, t.query())
	if err != nil {
		return nil, fmt.Errorf("enter journey %s: %w", j.ID, err)
	}
	for i, sub := range cands {
		if i < len(decs) && s.check(t, sub, decs[i], now).status != store.MessageSkipped {
			out[sub] = true
		}
	}
	return out, nil
}

// AdvanceJourneys moves every due person along their journey: through branches and waits,
// to their next send (delivered with every send-time check, in batches per step), exit or
// end. States are stored with compare-and-set, so two ticks at once cannot move a person
// twice, and a tick that dies is simply redone: its sends carry the same message ids.
func (s *Service) AdvanceJourneys(ctx context.Context) error {
	now := s.now()
	due, err := s.cfg.Store.DueJourneyStates(ctx, now, journeyBatch)
	if err != nil {
		return err
	}
	type sendKey struct {
		journey string
		step    int
		run     string
	}
	sends := map[sendKey][]int{} // indexes into states
	var states []store.JourneyState
	var next []store.JourneyState
	byJourney := map[string][]int{}
	for i, st := range due {
		byJourney[st.JourneyID] = append(byJourney[st.JourneyID], i)
	}
	for id, idx := range byJourney {
		def, cs, err := s.load(ctx, id)
		if err != nil || cs.j == nil {
			continue
		}
		if def.Status != StatusActive {
			continue
		}
		j := cs.j
		subs := make([]string, len(idx))
		for k, i := range idx {
			subs[k] = due[i].SubjectID
		}
		// Time zones for wait_until come with the eligibility facts.
		decs, err := s.cfg.Eligibility.Check(ctx, subs, Query{Purpose: j.Purpose, Channel: j.Channel.Type, Marketing: true})
		if err != nil {
			return fmt.Errorf("advance journey %s: %w", id, err)
		}
		for k, i := range idx {
			st := due[i]
			loc := s.location(decs[k].Timezone)
			for guard := 0; guard <= len(j.Steps); guard++ {
				if st.Step < 0 || st.Step >= len(j.Steps) {
					st.Status = store.JourneyDone
					break
				}
				step := j.Steps[st.Step]
				if step.Send != nil {
					break
				}
				if step.Exit {
					st.Status = store.JourneyExited
					break
				}
				if step.Branch != nil {
					in, err := s.cfg.Segments.Contains(ctx, step.Branch.Segment, []string{st.SubjectID})
					if err != nil {
						return fmt.Errorf("advance journey %s: %w", id, err)
					}
					if in[0] {
						st.Step = j.index[step.Branch.Then]
					} else {
						st.Step = j.index[step.Branch.Else]
					}
					continue
				}
				// wait or wait_until: the step after it is due later.
				if step.Wait != 0 {
					st.DueAt = now.Add(step.Wait.D())
				} else {
					st.DueAt = nextClock(*step.WaitUntil, now.In(loc))
				}
				st.Step = j.next[st.Step]
				if st.Step < 0 {
					st.Status = store.JourneyDone
				}
				break
			}
			st.UpdatedAt = now
			if st.Status == store.JourneyActive && st.Step >= 0 && j.Steps[st.Step].Send != nil {
				key := sendKey{journey: id, step: st.Step, run: "e" + strconv.Itoa(st.Entry)}
				states = append(states, st)
				sends[key] = append(sends[key], len(states)-1)
				continue
			}
			next = append(next, st)
		}
	}
	for key, idx := range sends {
		subs := make([]string, len(idx))
		for k, i := range idx {
			subs[k] = states[i].SubjectID
		}
		_, cs, err := s.load(ctx, key.journey)
		if err != nil {
			return err
		}
		j := cs.j
		_, err = s.deliver(ctx, journeyTarget(j, key.step), key.run, subs, 1, s.cfg.MaxAttempts)
		if errors.Is(err, errRetry) {
			continue // left due: the next tick sends what is still pending, same ids
		}
		if err != nil {
			return err
		}
		for _, i := range idx {
			st := states[i]
			st.Step = j.next[st.Step]
			st.DueAt = now
			if st.Step < 0 {
				st.Status = store.JourneyDone
			}
			next = append(next, st)
		}
	}
	if _, err := s.cfg.Store.AdvanceJourneys(ctx, next); err != nil {
		return err
	}
	return nil
}

// nextClock returns the next instant at local time c after lt.
func nextClock(c Clock, lt time.Time) time.Time {
	y, m, d := lt.Date()
	t := time.Date(y, m, d, int(c)/60, int(c)%60, 0, 0, lt.Location())
	if !t.After(lt) {
		t = time.Date(y, m, d+1, int(c)/60, int(c)%60, 0, 0, lt.Location())
	}
	return t.UTC()
}
