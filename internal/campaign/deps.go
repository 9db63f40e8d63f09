package campaign

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/store"
)

// Query is what a send asks about each person.
type Query struct {
	Purpose string
	Channel string
	// Recipient is the third party an ad audience goes to (ad_audience only): the person
	// must have the third-party purpose and its separate consent naming this recipient.
	Recipient string
	// Marketing: the purpose is direct marketing (minors and objections stop it).
	Marketing bool
}

// Decision is what Steward knows about one person at the moment of sending, from consent,
// policy and the profile. The lead implements Eligibility over those; this package applies
// every send-time check (issue 19 item 3) to these facts itself, so a check cannot be lost
// in an implementation.
type Decision struct {
	// Known is false for a person Steward no longer has (erased, merged away).
	Known bool
	// Allowed is the policy decision for Query.Purpose now (consent current, not
	// restricted, …); Reason is its stable policy reason when not allowed.
	Allowed bool
	Reason  string
	// Objected: the person objected to direct marketing (PT-07). Absolute.
	Objected bool
	// Minor: below the adult age of their jurisdiction (SG-03): no marketing.
	Minor bool
	// Elderly: the manifest's elderly band (SG-04): the lower daily cap applies.
	Elderly bool
	// Personalised: personalisation may be used for this person (switched on, and the
	// purpose allows profiling). False means the plain variant or nothing (PT-03).
	Personalised bool
	// ThirdParty: the third-party sharing purpose is allowed and the separate consent
	// names Query.Recipient (PIPL Art. 23). Only asked for ad audiences.
	ThirdParty bool
	// Timezone is the person's IANA zone (for caps' local day and quiet hours); "" means
	// the deployment's default.
	Timezone string
	// Locale picks the ad label and footer language ("zh-CN" or "en"; "" = campaign's).
	Locale string
	// Contact is how to reach the person on the channel asked for; empty when none.
	Contact Contact
	// Attributes personalise the personalised variant ({{.name}}); only read when
	// Personalised. Keep them to what the purpose may use.
	Attributes map[string]string
}

// Contact is a person's address on a channel.
type Contact struct {
	// ID is the person's id in the receiving system (the shop's user id) for webhooks.
	ID    string
	Email string
	Phone string
}

// Eligibility answers, for a batch of people, the facts of Decision now. It must return
// one Decision per subject, in order.
type Eligibility interface {
	Check(ctx context.Context, subjectIDs []string, q Query) ([]Decision, error)
}

// Segments resolves audiences: the members of a segment now, and membership of some people.
type Segments interface {
	Members(ctx context.Context, segment string) ([]string, error)
	Contains(ctx context.Context, segment string, subjectIDs []string) ([]bool, error)
}

// Recorder records processing acts. RecordAudience appends one leaf for a batch of people
// that commits to a Merkle root over their pseudonyms, with per-person proofs for each
// person's report, and returns the leaf's index (implemented by *audit.Recorder).
type Recorder interface {
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

var _ Recorder = (*audit.Recorder)(nil)

// Objector records an objection to direct marketing (GDPR Art. 21(3), PT-07): what a
// one-click unsubscribe does. via names how ("email_one_click").
type Objector interface {
	ObjectDirectMarketing(ctx context.Context, subjectID string, at time.Time, via string) error
}

// Store is what the engine keeps: store.Campaigns, which both backends implement.
type Store interface {
	store.Campaigns
}

// Enqueuer is the job queue as the engine uses it (*jobs.Queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, args jobs.Args, opts *jobs.Opts) (jobs.Enqueued, error)
	EnqueueMany(ctx context.Context, items []jobs.Item) ([]jobs.Enqueued, error)
}

var _ Enqueuer = (*jobs.Queue)(nil)
