package profile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// CampaignFacts answers what the campaign engine asks at the moment of sending
// (campaign.Eligibility) and resolves its audiences (campaign.Segments).
//
// It lives here, not in internal/access, because the facts a send needs come together in
// this package already: the engine knows each person's age (minor, elderly) and segment
// memberships, and ReaderSource shows how a person's standing is decided from the consent
// ledger and the policy in force. access owns the read path and the policy's view of a
// consent state (access.SubjectState), which this reuses; access cannot import profile.
//
// Each Check reads the consent state in force now from the ledger — never the engine's
// cached standing — so a withdrawal, an objection or a privacy subscription recorded a
// moment ago already stops the send, on any node. The policy then decides the campaign's
// purpose for the channel's data (activate; share for an ad audience), and its stable
// reason explains a refusal. Only people the policy lets through are read further, and
// then only through the purpose-scoped reader under the campaign's own purpose: their
// contact (the shop's userId, an email), time zone and locale, and — when personalisation
// may be used — the traits that purpose may read. A field the manifest does not list for
// the purpose never reaches a message.
type CampaignFacts struct {
	Engine   *Engine
	Subjects Subjects
	Reader   *access.Reader
	Ledger   *consent.Ledger
	Regime   func() *regime.Regime
}

var (
	_ campaign.Eligibility = (*CampaignFacts)(nil)
	_ campaign.Segments    = (*CampaignFacts)(nil)
)

// contactCategories are the data a send on each channel uses, as the policy is asked
// about them.
var contactCategories = map[string][]string{
	campaign.ChannelWebhook:    {"user.unique_id.pseudonymous"},
	campaign.ChannelEmail:      {"user.contact.email"},
	campaign.ChannelAdAudience: {"user.contact.email", "user.contact.phone_number"},
}

// personalising are the purposes whose permission makes a profile lawful to personalise
// from; a person with none of them (or with personalisation switched off, PT-03) gets the
// plain variant.
var personalising = []string{"personalize.content", "marketing.advertising.profiling"}

// Check implements campaign.Eligibility.
func (c *CampaignFacts) Check(ctx context.Context, ids []string, q campaign.Query) ([]campaign.Decision, error) {
	if err := c.Engine.CheckReady(); err != nil {
		return nil, err // ages are not known yet: a minor must not pass for an adult
	}
	r := c.Regime()
	pd := r.Policy()
	limits := r.Manifest().CampaignLimits()
	cats := contactCategories[q.Channel]
	if cats == nil {
		return nil, fmt.Errorf("campaign facts: unknown channel %q", q.Channel)
	}
	out := make([]campaign.Decision, len(ids))
	for i, id := range ids {
		sub, err := c.Subjects.Subject(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && sub.MergedInto != "" {
			continue // Known false: erased or merged away
		}
		if err != nil {
			return nil, fmt.Errorf("campaign facts: %w", err)
		}
		st, err := c.Ledger.Current(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("campaign facts: %w", err)
		}
		age, ageKnown := c.Engine.ageOf(id)
		subj := access.SubjectState(pd, st, ageKnown, age)
		d := &out[i]
		d.Known = true
		d.Objected = st.Granted(consent.SignalObjectDirectMarketing)
		d.Minor = ageKnown && age < c.Engine.cfg.AdultAge
		d.Elderly = ageKnown && age >= limits.ElderlyAge
		action := policy.Activate
		if q.Channel == campaign.ChannelAdAudience {
			action = policy.Share
		}
		dec := pd.Decide(policy.Request{Subject: subj, Purpose: q.Purpose, Categories: cats, Action: action, Recipient: q.Recipient})
		d.Allowed = dec.Effect != policy.Deny
		if !d.Allowed {
			d.Reason = dec.Reason
		}
		// Sharing with the recipient was decided by the same request (PIPL Art. 23: the
		// purpose and the separate consent naming the recipient).
		d.ThirdParty = q.Channel == campaign.ChannelAdAudience && d.Allowed
		if !st.Granted(consent.SignalPersonalisationOff) {
			for _, p := range personalising {
				if pd.Decide(policy.Request{Subject: subj, Purpose: p, Categories: []string{"user.behavior"}, Action: policy.Read}).Effect == policy.Allow {
					d.Personalised = true
					break
				}
			}
		}
		if !d.Allowed || d.Objected || d.Minor && q.Marketing {
			continue // refused whatever else is known: nothing more is read
		}
		if err := c.readContact(ctx, id, q.Purpose, st, d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readContact reads, under the campaign's purpose, what a message needs: the latest
// userId, email and phone, time zone and locale, and the string traits that purpose may
// read (for the personalised variant only).
func (c *CampaignFacts) readContact(ctx context.Context, id, purpose string, st consent.State, d *campaign.Decision) error {
	attrs := map[string]string{}
	after := int64(0)
	for {
		evs, pg, err := c.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
			Purpose: purpose, SubjectID: id, After: after, Limit: 1000, Consent: st})
		if err != nil {
			return fmt.Errorf("campaign facts: %w", err)
		}
		for _, ev := range evs {
			if u, ok := ev.Fields["userId"].(string); ok && u != "" {
				d.Contact.ID = u
			}
			if ctxm, ok := ev.Fields["context"].(map[string]any); ok {
				if tz, ok := ctxm["timezone"].(string); ok && tz != "" {
					if _, err := time.LoadLocation(tz); err == nil {
						d.Timezone = tz
					}
				}
				if l, ok := ctxm["locale"].(string); ok {
					switch {
					case strings.HasPrefix(l, "zh"):
						d.Locale = "zh-CN"
					case strings.HasPrefix(l, "en"):
						d.Locale = "en"
					}
				}
			}
			if traits, ok := ev.Fields["traits"].(map[string]any); ok {
				if v, ok := traits["email"].(string); ok {
					d.Contact.Email = v
				}
				if v, ok := traits["phone"].(string); ok {
					d.Contact.Phone = v
				}
				if d.Personalised {
					flatten("", traits, func(path string, v any) {
						if s, ok := v.(string); ok {
							attrs[path] = s
							if i := strings.LastIndexByte(path, '.'); i >= 0 {
								attrs[path[i+1:]] = s
							}
						}
					})
				}
			}
		}
		after = pg.Last
		if !pg.More {
			break
		}
	}
	if d.Personalised {
		d.Attributes = attrs
	}
	return nil
}

// Members implements campaign.Segments: a segment's current matches, before eligibility
// (the send-time checks count who of them is not reached, and why).
func (c *CampaignFacts) Members(ctx context.Context, segment string) ([]string, error) {
	if err := c.Engine.CheckReady(); err != nil {
		return nil, err
	}
	return c.Engine.segmentMembers(segment)
}

// Contains implements campaign.Segments.
func (c *CampaignFacts) Contains(ctx context.Context, segment string, ids []string) ([]bool, error) {
	if err := c.Engine.CheckReady(); err != nil {
		return nil, err
	}
	return c.Engine.segmentContains(segment, ids)
}

// ageOf returns a live person's age when known.
func (e *Engine) ageOf(id string) (int, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d, ok := e.dense[id]
	if !ok || !e.people[d].live {
		return 0, false
	}
	return e.people[d].age, e.people[d].ageKnown
}

func (e *Engine) segmentMembers(name string) ([]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.segs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchSegment, name)
	}
	bm := s.live.Members()
	out := make([]string, 0, bm.GetCardinality())
	for it := bm.Iterator(); it.HasNext(); {
		out = append(out, e.people[it.Next()].id)
	}
	return out, nil
}

func (e *Engine) segmentContains(name string, ids []string) ([]bool, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.segs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchSegment, name)
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		if d, ok := e.dense[id]; ok {
			out[i] = s.live.Contains(d)
		}
	}
	return out, nil
}
