package store

import (
	"context"
	"time"
)

// Campaign kinds.
const (
	CampaignKindCampaign = "campaign"
	CampaignKindJourney  = "journey"
)

// CampaignDef is a campaign or journey definition as an operator stored it: configuration,
// not personal data. Spec is the definition as JSON (package campaign owns its format).
type CampaignDef struct {
	ID     string
	Kind   string
	Spec   []byte
	Status string // package campaign's statuses: draft, active, paused, done
	Actor  string
	// NextRunAt is when the scheduler plans the next run of a once or recurring campaign;
	// nil when none is due (triggered, done, paused).
	NextRunAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Message statuses.
const (
	MessagePending   = "pending"   // reserved, not yet delivered (retried until delivered or dead)
	MessageDelivered = "delivered" // the channel accepted it
	MessageDead      = "dead"      // dead-lettered after its last attempt
	MessageSkipped   = "skipped"   // a send-time check stopped it; Reason says which
	MessageHoldout   = "holdout"   // in the campaign's holdout: deliberately not sent
)

// CampaignMessage is one decision to contact, or not contact, one person in one run of a
// campaign (or one send step of a journey). MessageID is deterministic, so a retried
// delivery finds the same row and the receiver dedupes on it.
type CampaignMessage struct {
	MessageID  string
	CampaignID string
	RunID      string
	SubjectID  string
	Channel    string
	Status     string
	Reason     string // why skipped or dead; "" otherwise
	Variant    string // "personalised" or "plain" ("" when not sent)
	DecidedAt  time.Time
	// DeliveredAt is when the channel accepted it.
	DeliveredAt *time.Time
	Attempts    int
	// ConversionEvent and ConversionUntil: an event of that name from DecidedAt until
	// ConversionUntil counts as this message's conversion ("" when the campaign has none).
	ConversionEvent string
	ConversionUntil time.Time
	ConvertedAt     *time.Time
}

// Counts reports whether a message counts against frequency caps: it was, or may still
// be, sent.
func (m CampaignMessage) Counts() bool {
	return m.Status == MessagePending || m.Status == MessageDelivered
}

// MessageUpdate changes a message's delivery state.
type MessageUpdate struct {
	MessageID   string
	Status      string
	Reason      string
	DeliveredAt *time.Time
	Attempts    int
}

// MessageCount is one group of a campaign's messages.
type MessageCount struct {
	Status    string
	Reason    string
	Variant   string
	Converted bool
	N         int64
}

// ReserveFunc decides the fresh messages of a reservation: history holds, per subject,
// the stored messages since the reservation's instant that count against caps; fresh are
// the batch's new messages, decided together (one person may appear more than once). It
// returns the messages to store, typically fresh with some turned into skips.
type ReserveFunc func(history map[string][]CampaignMessage, fresh []CampaignMessage) []CampaignMessage

// JourneyState is one person's place in a journey: durable across restarts.
type JourneyState struct {
	JourneyID string
	SubjectID string
	Entry     int    // how many times the person entered (1 for the first)
	Step      int    // index of the step to run next
	Status    string // active, exited, done
	DueAt     time.Time
	EnteredAt time.Time
	UpdatedAt time.Time
	// Version increments with every change; AdvanceJourneys compares it.
	Version int
}

// Journey state statuses.
const (
	JourneyActive = "active"
	JourneyExited = "exited"
	JourneyDone   = "done"
)

// Campaigns keeps campaign and journey definitions, the per-person messages they decided,
// journey states, and the hashed members last synced to each ad-platform audience.
type Campaigns interface {
	// PutCampaign creates or replaces a definition (CreatedAt kept from the first).
	PutCampaign(ctx context.Context, c CampaignDef) error
	// GetCampaign returns one; ErrNotFound if absent.
	GetCampaign(ctx context.Context, id string) (CampaignDef, error)
	// ListCampaigns returns the definitions of a kind ("" for all) by id.
	ListCampaigns(ctx context.Context, kind string) ([]CampaignDef, error)
	// SetCampaignRun sets a campaign's status and next run; ErrNotFound if absent.
	SetCampaignRun(ctx context.Context, id, status string, next *time.Time, at time.Time) error
	// DueCampaigns returns active campaigns whose next run is at or before now.
	DueCampaigns(ctx context.Context, now time.Time) ([]CampaignDef, error)

	// ReserveMessages stores a batch of messages atomically per person: messages whose id
	// is already stored are returned as stored and not decided again (a retry); the rest
	// go to decide with each of their subjects' counted messages decided since `since`,
	// and what decide returns is stored. No two reservations for one person interleave,
	// so caps hold across processes. The result maps every message id of msgs (and of
	// what decide returned) to its stored row.
	ReserveMessages(ctx context.Context, msgs []CampaignMessage, since time.Time, decide ReserveFunc) (map[string]CampaignMessage, error)
	// UpdateMessages records delivery outcomes; unknown ids are ignored.
	UpdateMessages(ctx context.Context, updates []MessageUpdate) error
	// MessageCounts groups a campaign's messages by status, reason, variant and conversion.
	MessageCounts(ctx context.Context, campaignID string) ([]MessageCount, error)
	// SubjectMessages lists the messages decided for a person, oldest first (their
	// report: which campaigns reached them and which did not, and why).
	SubjectMessages(ctx context.Context, subjectID string) ([]CampaignMessage, error)
	// MarkConversions marks the person's unconverted delivered or holdout messages whose
	// conversion event is event and whose window contains at; it returns how many.
	MarkConversions(ctx context.Context, subjectID, event string, at time.Time) (int, error)

	// EnterJourney stores a new state unless the person has one in that journey (active
	// or finished); it reports whether it stored it.
	EnterJourney(ctx context.Context, s JourneyState) (bool, error)
	// GetJourneyState returns one; ErrNotFound if absent.
	GetJourneyState(ctx context.Context, journeyID, subjectID string) (JourneyState, error)
	// DueJourneyStates returns up to limit active states due at or before now, by due time.
	DueJourneyStates(ctx context.Context, now time.Time, limit int) ([]JourneyState, error)
	// AdvanceJourneys stores each new state if the stored one still has the given
	// Version (then Version+1 is stored); it reports which were stored.
	AdvanceJourneys(ctx context.Context, states []JourneyState) ([]bool, error)

	// AudienceMembers returns the hashed identifiers last synced to a destination, sorted.
	AudienceMembers(ctx context.Context, destination string) ([]string, error)
	// ApplyAudienceDelta records a sync: adds and removes hashed identifiers, together.
	ApplyAudienceDelta(ctx context.Context, destination string, add, remove []string, at time.Time) error
}
