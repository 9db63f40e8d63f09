package equity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// maxAccrualMonths bounds how far back a first accrual looks.
const maxAccrualMonths = 24

// Reasons stored with points entries; the API explains them in the reader's language.
const (
	ReasonMonthHeld    = "tier_held_all_month"
	ReasonSubscription = "privacy_subscription"
)

// Entry is one line of the points ledger, explained.
type Entry struct {
	Kind   string `json:"kind"` // earn or spend
	Period string `json:"period,omitempty"`
	Points int64  `json:"points"`
	Tier   string `json:"tier,omitempty"`
	// Explanation says why, in the reader's language.
	Explanation string    `json:"explanation"`
	At          time.Time `json:"at"`
}

// Points is a person's points ledger.
type Points struct {
	Balance int64   `json:"balance"`
	Entries []Entry `json:"entries"`
}

// Points accrues what completed months earned and returns the ledger, newest first.
func (s *Service) Points(ctx context.Context, subjectID, lang string) (Points, error) {
	if err := s.accrue(ctx, subjectID); err != nil {
		return Points{}, err
	}
	es, err := s.cfg.Store.PointsEntries(ctx, subjectID)
	if err != nil {
		return Points{}, err
	}
	m := s.manifest()
	out := Points{Entries: make([]Entry, 0, len(es))}
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if e.Kind == "earn" {
			out.Balance += e.Points
		} else {
			out.Balance -= e.Points
		}
		out.Entries = append(out.Entries, Entry{Kind: e.Kind, Period: e.Period, Points: e.Points, Tier: e.Tier,
			Explanation: explain(m, e, lang), At: e.At})
	}
	return out, nil
}

func explain(m *manifest.Manifest, e store.PointsEntry, lang string) string {
	label := e.Tier
	if t, ok := m.Tier(e.Tier); ok {
		label = pick(t.Label, lang, t.Name)
	}
	switch {
	case e.Kind == "earn" && lang == "zh-CN":
		return fmt.Sprintf("%s整月保持“%s”等级", monthZH(e.Period), label)
	case e.Kind == "earn":
		return fmt.Sprintf("You were in “%s” for all of %s", label, monthEN(e.Period))
	case lang == "zh-CN":
		return "兑换隐私订阅"
	default:
		return "Redeemed for the privacy subscription"
	}
}

func monthEN(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return t.Format("January 2006")
}

func monthZH(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

func pick(labels map[string]string, lang, fallback string) string {
	if v := labels[lang]; v != "" {
		return v
	}
	if v := labels["en"]; v != "" {
		return v
	}
	return fallback
}

// accrue pays every completed month since the person's first consent record (at most
// maxAccrualMonths back) the points of the least sharing tier they held at any moment of it.
// The store keeps one earn entry per person and month, so accruing twice pays once.
func (s *Service) accrue(ctx context.Context, subjectID string) error {
	m := s.manifest()
	if len(m.Tiers) == 0 {
		return nil
	}
	hist, err := s.cfg.Ledger.History(ctx, subjectID)
	if err != nil || len(hist) == 0 {
		return err
	}
	loc, now := s.cfg.Location, s.cfg.Now()
	first := monthStart(hist[0].At.In(loc))
	if floor := monthStart(now.In(loc)).AddDate(0, -maxAccrualMonths, 0); first.Before(floor) {
		first = floor
	}
	for start := first; ; start = start.AddDate(0, 1, 0) {
		end := start.AddDate(0, 1, 0)
		if end.After(now) {
			return nil
		}
		t, pts := leastHeld(m, hist, start, end)
		if pts <= 0 {
			continue
		}
		period := start.Format("2006-01")
		if _, err := s.cfg.Store.EarnPoints(ctx, store.PointsEntry{ID: newID("pt_"), SubjectID: subjectID, Period: period,
			Points: pts, Tier: t, Reason: ReasonMonthHeld, At: now}); err != nil {
			return fmt.Errorf("accrue %s: %w", period, err)
		}
	}
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// leastHeld is the tier paying least among those held during [start, end), and its points.
// A state no tier describes pays nothing.
func leastHeld(m *manifest.Manifest, hist []store.ConsentRecord, start, end time.Time) (string, int64) {
	// The state at start: everything recorded strictly before it.
	st := consent.Fold(hist, start.Add(-time.Nanosecond))
	name, least := "", int64(-1)
	consider := func() {
		t, ok := tierOf(m, st)
		pts := int64(0)
		if ok {
			pts = t.PointsPerMonth()
		}
		if least < 0 || pts < least {
			name, least = t.Name, pts
		}
	}
	consider()
	for i, r := range hist {
		if r.At.Before(start) || !r.At.Before(end) {
			continue
		}
		st[r.Purpose] = consent.Entry{Granted: r.Granted, At: r.At}
		// Records of one act share an instant (a tier choice is one append): the state
		// between them was never held.
		if i+1 < len(hist) && hist[i+1].At.Equal(r.At) {
			continue
		}
		consider()
	}
	return name, least
}

// errInsufficient turns the store's sentinel into the service's.
func errInsufficient(err error) error {
	if errors.Is(err, store.ErrInsufficientPoints) {
		return fmt.Errorf("%w: %v", ErrInsufficientPoints, err)
	}
	return err
}
