package campaign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/store"
)

// Results released through differential privacy (issue 19 item 5, issue 20): a definition
// naming a budget ({"dp": {"budget": "campaigns", "epsilon": 0.5}}) never shows its exact
// counts. Its results are one dp report — count_people grouped by outcome, over public
// cells (every outcome is declared in advance, so nothing is spent on choosing cells) —
// charged to that budget by the DP ledger before any message is read, and answered again
// for free while no message changes (the data version is a hash of the counts). Each
// person is one privacy unit: the report reads a campaign's messages person by person, and
// a person counts at most once per outcome and in at most three outcomes (a once campaign
// gives each person one decision, and a conversion). The uplift and its interval are
// computed from the noisy counts (post-processing, so no further cost); the interval then
// describes the sampling only, not the noise, and DPInfo says so.

// DPConfig lets the engine release results through the DP ledger.
type DPConfig struct {
	// Budgets is the store's privacy-budget ledger (the same budgets DP reports spend).
	Budgets store.PrivacyBudgets
	// Messages pages through a campaign's messages by person.
	Messages store.CampaignMessagePages
	// Recorder records each computed release (a dp_query act).
	Recorder dp.Recorder
}

// DPInfo says how a released result was made.
type DPInfo struct {
	Budget    string       `json:"budget"`
	Epsilon   float64      `json:"epsilon"`
	Release   string       `json:"release"`
	Replayed  bool         `json:"replayed"`
	Remaining dp.Remaining `json:"remaining"`
	// Note states what the numbers are.
	Note string `json:"note"`
}

// Outcome names of the DP report's cells.
const (
	outcomeDelivered        = "delivered"
	outcomePending          = "pending"
	outcomeDead             = "dead"
	outcomeHoldout          = "holdout"
	outcomeConverted        = "converted"
	outcomeHoldoutConverted = "holdout_converted"
	outcomeSkipped          = "skipped:"
)

// outcomes lists every cell of the report: declared in advance, so the cells are public.
func outcomes() []string {
	out := []string{outcomeDelivered, outcomePending, outcomeDead, outcomeHoldout, outcomeConverted, outcomeHoldoutConverted}
	reasons := []string{ReasonUnknownSubject, ReasonObjected, ReasonMinor, ReasonNotAllowed, ReasonNoThirdParty, ReasonPersonalisationOff,
		ReasonNoContact, ReasonQuietHours, ReasonCapDaily, ReasonCapDailyElderly, ReasonCapCampaign, ReasonRetriesExhausted, ReasonRejected}
	seen := map[string]bool{}
	for _, r := range append(reasons, policy.Reasons...) {
		if !seen[r] {
			seen[r] = true
			out = append(out, outcomeSkipped+r)
		}
	}
	return out
}

// outcomeOf names a message's outcome cell(s).
func outcomeOf(m store.CampaignMessage) []string {
	switch m.Status {
	case store.MessageDelivered:
		if m.ConvertedAt != nil {
			return []string{outcomeDelivered, outcomeConverted}
		}
		return []string{outcomeDelivered}
	case store.MessageHoldout:
		if m.ConvertedAt != nil {
			return []string{outcomeHoldout, outcomeHoldoutConverted}
		}
		return []string{outcomeHoldout}
	case store.MessagePending:
		return []string{outcomePending}
	case store.MessageDead:
		return []string{outcomeDead}
	}
	return []string{outcomeSkipped + m.Reason}
}

// messageSource is a dp.Source over one campaign's messages: a person's events are their
// messages' outcomes.
type messageSource struct {
	s  *Service
	id string
}

func (m messageSource) People(ctx context.Context, q dp.Query, fn func(*dp.Person) error) error {
	after := ""
	p := &dp.Person{}
	for {
		page, err := m.s.cfg.DP.Messages.CampaignMessagesBySubject(ctx, m.id, after, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for i, msg := range page {
			if i == 0 || msg.SubjectID != page[i-1].SubjectID {
				p.ID, p.Events = msg.SubjectID, p.Events[:0]
			}
			for _, o := range outcomeOf(msg) {
				p.Events = append(p.Events, dp.Event{Name: o, At: msg.DecidedAt, Campaign: m.id})
			}
			if i+1 == len(page) || page[i+1].SubjectID != msg.SubjectID {
				if err := fn(p); err != nil {
					return err
				}
			}
		}
		after = page[len(page)-1].SubjectID
	}
}

// Version changes whenever the campaign's messages do: a hash of their counts by status,
// reason, variant and conversion.
func (m messageSource) Version(ctx context.Context, _ dp.Query) (string, error) {
	counts, err := m.s.cfg.Store.MessageCounts(ctx, m.id)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, c := range counts {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00%d\x00", c.Status, c.Reason, c.Variant, c.Converted, c.N)
	}
	return m.id + ":" + hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// ErrNoDP reports a definition that names a budget on an engine built without DPConfig.
var ErrNoDP = errors.New("campaign: results need the differential-privacy ledger, which this server lacks")

// Released returns a campaign's results as operators may see them: the exact counts, or,
// when the definition names a privacy budget, counts released through the DP ledger and
// charged to it on behalf of actor (a *dp.BudgetExhaustedError when the budget cannot pay).
func (s *Service) Released(ctx context.Context, id, actor string) (Results, error) {
	def, cs, err := s.load(ctx, id)
	if err != nil {
		return Results{}, err
	}
	var rel *DPRelease
	purpose := ""
	switch {
	case cs.c != nil:
		rel, purpose = cs.c.DP, cs.c.Purpose
	case cs.j != nil:
		rel, purpose = cs.j.DP, cs.j.Purpose
	}
	if rel == nil {
		return s.Results(ctx, def.ID)
	}
	if s.cfg.DP == nil || s.cfg.DP.Budgets == nil || s.cfg.DP.Messages == nil || s.cfg.DP.Recorder == nil {
		return Results{}, ErrNoDP
	}
	led, err := dp.New(dp.Config{Store: s.cfg.DP.Budgets, Source: messageSource{s: s, id: def.ID}, Recorder: s.cfg.DP.Recorder, Now: s.cfg.Now})
	if err != nil {
		return Results{}, err
	}
	r, err := led.Report(ctx, actor, dp.Spec{Budget: rel.Budget, Purpose: purpose, Measure: dp.CountPeople, GroupBy: []string{"event"},
		Epsilon: rel.Epsilon, MaxPartitions: 3, PublicKeys: map[string][]string{"event": outcomes()}})
	if err != nil {
		return Results{}, fmt.Errorf("results of %s: %w", id, err)
	}
	out := Results{Campaign: def.ID, Skipped: map[string]int64{}, Variants: map[string]int64{}, DP: &DPInfo{Budget: rel.Budget,
		Epsilon: rel.Epsilon, Release: r.ID, Replayed: r.Replayed, Remaining: r.Remaining,
		Note: "people per outcome with Laplace noise (ε " + strconv.FormatFloat(rel.Epsilon, 'g', -1, 64) +
			"), rounded; the uplift interval is computed from these counts and does not include the noise"}}
	for _, c := range r.Cells {
		n := int64(math.Max(0, math.Round(c.Value)))
		switch o := c.Key["event"]; o {
		case outcomeDelivered:
			out.Delivered = n
		case outcomePending:
			out.Pending = n
		case outcomeDead:
			out.Dead = n
		case outcomeHoldout:
			out.Holdout = n
		case outcomeConverted:
			out.Conversions = n
		case outcomeHoldoutConverted:
			out.HoldoutConversions = n
		default:
			if reason, ok := cutPrefix(o, outcomeSkipped); ok && n > 0 {
				out.Skipped[reason] = n
			}
		}
	}
	out.Conversions = min(out.Conversions, out.Delivered)
	out.HoldoutConversions = min(out.HoldoutConversions, out.Holdout)
	out.finish()
	return out, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}
