package campaign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Skip reasons: stable strings, counted per campaign (issue 19 item 3). A policy refusal
// is counted under the policy's own stable reason (internal/policy: "no_consent",
// "ad_free_subscription", "restricted", …), so one vocabulary explains a skip in results,
// audiences and the privacy center; ReasonNotAllowed only when the policy gave none.
const (
	ReasonUnknownSubject     = "unknown_subject"
	ReasonObjected           = "objected_direct_marketing" // PT-07
	ReasonMinor              = "minor"                     // SG-03
	ReasonNotAllowed         = "not_allowed"               // NC-04: consent withdrawn, restricted, …
	ReasonNoThirdParty       = "no_third_party_consent"    // PIPL Art. 23
	ReasonPersonalisationOff = "personalisation_off"       // PT-03: no plain variant to send instead
	ReasonNoContact          = "no_contact"
	ReasonQuietHours         = "quiet_hours"
	ReasonCapDaily           = "cap_daily"
	ReasonCapDailyElderly    = "cap_daily_elderly" // SG-04
	ReasonCapCampaign        = "cap_campaign"
	// Dead-letter reasons.
	ReasonRetriesExhausted = "retries_exhausted"
	ReasonRejected         = "rejected"
)

// Variants.
const (
	VariantPersonalised = "personalised"
	VariantPlain        = "plain"
)

// Caps is the deployment's frequency caps (the manifest provides them): messages per
// person per local day across all campaigns, lower for elderly people (SG-04).
type CapsConfig struct {
	PerDay        int
	ElderlyPerDay int
}

// target is what a send is for: a campaign, or one send step of a journey.
type target struct {
	campaignID string // results and caps group by it (a journey's id for its steps)
	contentID  string // message ids derive from it (campaign id, or journey/step)
	purpose    string
	channel    Channel
	sender     string
	locale     string
	holdout    float64
	conv       *Conversion
	caps       *Caps
	quiet      *QuietHours
	tmpl       templates
}

func (t *target) marketing() bool { return strings.HasPrefix(t.purpose, "marketing.") }

func (t *target) query() Query {
	q := Query{Purpose: t.purpose, Channel: t.channel.Type, Marketing: t.marketing()}
	if t.channel.Type == ChannelAdAudience {
		q.Recipient = t.channel.Recipient
	}
	return q
}

// verdict is a person's outcome before caps.
type verdict struct {
	status  string // store.MessagePending, MessageSkipped, MessageHoldout, or "defer"
	reason  string
	variant string
	resume  time.Time // defer: when the quiet hours end
	loc     *time.Location
}

const statusDefer = "defer"

// check applies the send-time checks that need no history, in the order of their weight:
// absolute refusals first (objection, minor, policy), then what makes a message impossible
// (no variant, no contact), then timing (quiet hours), then the holdout. Caps come after,
// inside the reservation, because they need the person's history.
func (s *Service) check(t *target, subjectID string, d Decision, now time.Time) verdict {
	v := verdict{loc: s.location(d.Timezone)}
	skip := func(r string) verdict { v.status, v.reason = store.MessageSkipped, r; return v }
	if !d.Known {
		return skip(ReasonUnknownSubject)
	}
	if t.marketing() && d.Objected {
		return skip(ReasonObjected)
	}
	if t.marketing() && d.Minor {
		return skip(ReasonMinor)
	}
	if !d.Allowed {
		if d.Reason != "" {
			return skip(d.Reason)
		}
		return skip(ReasonNotAllowed)
	}
	if t.channel.Type == ChannelAdAudience {
		if !d.ThirdParty {
			return skip(ReasonNoThirdParty)
		}
		if d.Contact.Email == "" && d.Contact.Phone == "" {
			return skip(ReasonNoContact)
		}
		v.status = store.MessagePending
		return v
	}
	switch {
	case d.Personalised && t.tmpl.pBody != nil:
		v.variant = VariantPersonalised
	case t.tmpl.body != nil:
		v.variant = VariantPlain
	default:
		return skip(ReasonPersonalisationOff)
	}
	switch t.channel.Type {
	case ChannelEmail:
		if d.Contact.Email == "" {
			return skip(ReasonNoContact)
		}
	case ChannelWebhook:
		if d.Contact.ID == "" {
			return skip(ReasonNoContact)
		}
	}
	if q := s.quietFor(t); q != nil {
		if in, end := inQuiet(*q, now.In(v.loc)); in {
			if q.Action == QuietSkip {
				return skip(ReasonQuietHours)
			}
			v.status, v.resume = statusDefer, end
			return v
		}
	}
	if t.holdout > 0 && s.inHoldout(t.campaignID, subjectID, t.holdout) {
		v.status = store.MessageHoldout
		return v
	}
	v.status = store.MessagePending
	return v
}

func (s *Service) quietFor(t *target) *QuietHours {
	q := s.limits.Load().QuietHours
	if t.quiet != nil {
		q = t.quiet
	}
	if q.Start == q.End {
		return nil // the deployment switched quiet hours off (Config.QuietHours)
	}
	return q
}

// inQuiet reports whether local time lt is inside q and, if so, when q ends (the next
// End after lt, in lt's zone, so daylight-saving days are honoured).
func inQuiet(q QuietHours, lt time.Time) (bool, time.Time) {
	m := Clock(lt.Hour()*60 + lt.Minute())
	var in bool
	if q.Start < q.End {
		in = m >= q.Start && m < q.End
	} else {
		in = m >= q.Start || m < q.End
	}
	if !in {
		return false, time.Time{}
	}
	y, mo, d := lt.Date()
	end := time.Date(y, mo, d, int(q.End)/60, int(q.End)%60, 0, 0, lt.Location())
	if !end.After(lt) {
		end = time.Date(y, mo, d+1, int(q.End)/60, int(q.End)%60, 0, 0, lt.Location())
	}
	return true, end
}

// dayStart returns the start of lt's local day.
func dayStart(lt time.Time) time.Time {
	y, m, d := lt.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, lt.Location())
}

// inHoldout reports whether a person is held out of a campaign: a keyed hash of
// (campaign, person) read as a number in [0, 1), below the share. Stable across runs and
// restarts, independent between campaigns, and not guessable without the key.
func (s *Service) inHoldout(campaignID, subjectID string, share float64) bool {
	mac := hmac.New(sha256.New, s.holdoutKey)
	mac.Write([]byte(campaignID))
	mac.Write([]byte{0})
	mac.Write([]byte(subjectID))
	x := binary.BigEndian.Uint64(mac.Sum(nil)[:8])
	return float64(x>>11)/(1<<53) < share
}

// MessageID returns the deterministic id of the message for one person in one run of a
// campaign (or journey step): the idempotency key receivers dedupe on.
func MessageID(contentID, runID, subjectID string) string {
	h := sha256.New()
	h.Write([]byte("steward campaign message v1\x00"))
	h.Write([]byte(contentID))
	h.Write([]byte{0})
	h.Write([]byte(runID))
	h.Write([]byte{0})
	h.Write([]byte(subjectID))
	return "msg_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// capper applies frequency caps inside a reservation: it counts each person's stored
// messages and those admitted earlier in the same batch.
type capper struct {
	s       *Service
	t       *target
	now     time.Time
	elderly map[string]bool
	locs    map[string]*time.Location
}

func (c *capper) decide(history map[string][]store.CampaignMessage, fresh []store.CampaignMessage) []store.CampaignMessage {
	caps := c.s.limits.Load().Caps
	admitted := map[string][]store.CampaignMessage{}
	out := make([]store.CampaignMessage, 0, len(fresh))
	for _, m := range fresh {
		if m.Status != store.MessagePending {
			out = append(out, m)
			continue
		}
		loc := c.locs[m.SubjectID]
		if loc == nil {
			loc = time.UTC
		}
		start := dayStart(c.now.In(loc))
		today, mine := 0, 0
		count := func(h store.CampaignMessage) {
			if !h.Counts() {
				return
			}
			if !h.DecidedAt.Before(start) {
				today++
			}
			if c.t.caps != nil && h.CampaignID == c.t.campaignID && h.DecidedAt.After(c.now.Add(-c.t.caps.Window.D())) {
				mine++
			}
		}
		for _, h := range history[m.SubjectID] {
			count(h)
		}
		for _, h := range admitted[m.SubjectID] {
			count(h)
		}
		limit, reason := caps.PerDay, ReasonCapDaily
		if c.elderly[m.SubjectID] && caps.ElderlyPerDay < limit {
			limit, reason = caps.ElderlyPerDay, ReasonCapDailyElderly
		}
		switch {
		case limit > 0 && today >= limit:
			m.Status, m.Reason, m.Variant = store.MessageSkipped, reason, ""
		case c.t.caps != nil && mine >= c.t.caps.Max:
			m.Status, m.Reason, m.Variant = store.MessageSkipped, ReasonCapCampaign, ""
		default:
			admitted[m.SubjectID] = append(admitted[m.SubjectID], m)
		}
		out = append(out, m)
	}
	return out
}

// since returns the earliest instant the caps of a batch look back to.
func (c *capper) since() time.Time {
	s := c.now.Add(-26 * time.Hour) // any local day started within the last 26 hours
	for _, loc := range c.locs {
		if d := dayStart(c.now.In(loc)); d.Before(s) {
			s = d
		}
	}
	if c.t.caps != nil {
		if w := c.now.Add(-c.t.caps.Window.D()); w.Before(s) {
			s = w
		}
	}
	return s
}

var locCache sync.Map // IANA name → *time.Location

func (s *Service) location(tz string) *time.Location {
	if tz == "" {
		return s.cfg.DefaultLocation
	}
	if l, ok := locCache.Load(tz); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return s.cfg.DefaultLocation
	}
	locCache.Store(tz, l)
	return l
}
