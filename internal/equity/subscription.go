package equity

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// Subscription sources.
const (
	SourcePoints = "points"
	SourcePaid   = "paid"
)

// SubscriptionView is a subscription as its holder sees it.
type SubscriptionView struct {
	ID       string    `json:"id"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Source   string    `json:"source"`
	Active   bool      `json:"active"`
}

func viewOf(sub store.Subscription, now time.Time) SubscriptionView {
	return SubscriptionView{ID: sub.ID, StartsAt: sub.StartsAt, EndsAt: sub.EndsAt, Source: sub.Source,
		Active: !now.Before(sub.StartsAt) && now.Before(sub.EndsAt)}
}

// Redeem buys months of the privacy subscription with points: the balance is checked and
// spent and the subscription started in one store transaction, then the ad-free signal is
// recorded in the consent ledger. A subscription bought while one runs starts when it ends.
func (s *Service) Redeem(ctx context.Context, subjectID string, months int) (SubscriptionView, error) {
	offer := s.manifest().Subscription
	if offer == nil || offer.PointsPerMonth <= 0 {
		return SubscriptionView{}, fmt.Errorf("%w for points", ErrNoSubscription)
	}
	if months < 1 || months > offer.MaxMonths {
		return SubscriptionView{}, fmt.Errorf("%w: %d months asked, 1 to %d on offer", ErrMonths, months, offer.MaxMonths)
	}
	if err := s.accrue(ctx, subjectID); err != nil {
		return SubscriptionView{}, err
	}
	sub, err := s.next(ctx, subjectID, months, SourcePoints)
	if err != nil {
		return SubscriptionView{}, err
	}
	spend := store.PointsEntry{ID: newID("pt_"), SubjectID: subjectID, Points: int64(months) * offer.PointsPerMonth,
		Reason: ReasonSubscription, At: sub.CreatedAt}
	sub.Ref = spend.ID
	if err := s.cfg.Store.Redeem(ctx, spend, &sub); err != nil {
		return SubscriptionView{}, errInsufficient(err)
	}
	return s.started(ctx, sub, "subject")
}

// Paid records a privacy subscription the shop sold for money (its backend confirmed the
// payment; ref is its payment reference) and records the ad-free signal.
func (s *Service) Paid(ctx context.Context, subjectID string, months int, ref, actor string) (SubscriptionView, error) {
	offer := s.manifest().Subscription
	if offer == nil || offer.Price == nil {
		return SubscriptionView{}, fmt.Errorf("%w for money", ErrNoSubscription)
	}
	if months < 1 || months > offer.MaxMonths {
		return SubscriptionView{}, fmt.Errorf("%w: %d months asked, 1 to %d on offer", ErrMonths, months, offer.MaxMonths)
	}
	if ref == "" || len(ref) > 200 {
		return SubscriptionView{}, fmt.Errorf("%w: 1 to 200 characters", ErrPaymentRef)
	}
	sub, err := s.next(ctx, subjectID, months, SourcePaid)
	if err != nil {
		return SubscriptionView{}, err
	}
	sub.Ref = ref
	if err := s.cfg.Store.AddSubscription(ctx, sub); err != nil {
		return SubscriptionView{}, err
	}
	return s.started(ctx, sub, actor)
}

// next is a new subscription of months, starting now or when the last running one ends.
func (s *Service) next(ctx context.Context, subjectID string, months int, source string) (store.Subscription, error) {
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	subs, err := s.cfg.Store.Subscriptions(ctx, subjectID)
	if err != nil {
		return store.Subscription{}, err
	}
	start := now
	for _, x := range subs {
		if x.EndsAt.After(start) && !x.StartsAt.After(start) {
			start = x.EndsAt
		}
	}
	return store.Subscription{ID: newID("sub_"), SubjectID: subjectID, StartsAt: start, EndsAt: start.AddDate(0, months, 0),
		Source: source, CreatedAt: now}, nil
}

// started records the ad-free signal for a subscription that has begun (when not already
// set): one processing act, with the subscription as its evidence.
func (s *Service) started(ctx context.Context, sub store.Subscription, actor string) (SubscriptionView, error) {
	v := viewOf(sub, s.cfg.Now())
	if err := s.ensureSignal(ctx, sub.SubjectID, actor, map[string]any{"subscription": sub.ID, "source": sub.Source, "ends_at": sub.EndsAt}); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Service) ensureSignal(ctx context.Context, subjectID, actor string, evidence map[string]any) error {
	st, err := s.cfg.Ledger.Current(ctx, subjectID)
	if err != nil || st.Granted(consent.SignalAdFree) {
		return err
	}
	_, err = s.cfg.Ledger.Record(ctx, subjectID, []consent.Choice{{Key: consent.SignalAdFree, Granted: true}},
		consent.Meta{Method: store.MethodSubscription, Actor: actor, Evidence: evidence, Notice: consent.NoNotice})
	return err
}

// active is the running subscription that ends last, if any.
func active(subs []store.Subscription, now time.Time) (store.Subscription, bool) {
	var best store.Subscription
	found := false
	for _, x := range subs {
		if !now.Before(x.StartsAt) && now.Before(x.EndsAt) && (!found || x.EndsAt.After(best.EndsAt)) {
			best, found = x, true
		}
	}
	return best, found
}

// Sweep closes subscriptions that ended: when none other runs for the person, it records
// the ad-free signal's withdrawal. It returns how many it closed; run it every minute or so
// (until it runs, an ended subscription keeps its holder ad-free: the safe side).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	n := 0
	for {
		ended, err := s.cfg.Store.EndedSubscriptions(ctx, now, 100)
		if err != nil || len(ended) == 0 {
			return n, err
		}
		for _, sub := range ended {
			subs, err := s.cfg.Store.Subscriptions(ctx, sub.SubjectID)
			if err != nil {
				return n, err
			}
			if _, running := active(subs, now); !running {
				st, err := s.cfg.Ledger.Current(ctx, sub.SubjectID)
				if err != nil {
					return n, err
				}
				if st.Granted(consent.SignalAdFree) {
					if _, err := s.cfg.Ledger.Record(ctx, sub.SubjectID, []consent.Choice{{Key: consent.SignalAdFree, Granted: false}},
						consent.Meta{Method: store.MethodSubscription, Actor: "steward", Notice: consent.NoNotice,
							Evidence: map[string]any{"subscription": sub.ID, "ended_at": sub.EndsAt}}); err != nil {
						return n, err
					}
				}
			}
			if err := s.cfg.Store.CloseSubscription(ctx, sub.ID); err != nil {
				return n, err
			}
			n++
		}
	}
}
