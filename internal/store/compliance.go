package store

import (
	"context"
	"time"
)

// What the compliance services keep (issue 26): retention passes over events, the register
// of cross-border transfers with its yearly counters, assessments (records of processing,
// impact assessments) and the breach register.

// EventKind names a stored event's kind as the events table does: the message type and,
// for track calls, the event name ("" otherwise).
type EventKind struct {
	Type string
	Name string
}

// EventRef is a stored event without its body: where it is and how old, for retention.
type EventRef struct {
	Seq             int64
	SubjectID       string
	OriginSubjectID string
	Kind            EventKind
	OccurredAt      time.Time
	// PrunedDays is the age in days up to which the event's expired fields were already
	// removed (0: never pruned).
	PrunedDays int
}

// DueQuery selects events for a retention pass. Rows that a pass deletes or prunes stop
// matching, so a pass asks again from the start until nothing is left.
type DueQuery struct {
	// Kinds restricts the query to events of these kinds; with Except, to every other kind.
	Kinds  []EventKind
	Except bool
	// Before: events that occurred strictly before this instant.
	Before time.Time
	// PrunedBelow, when positive, keeps only events pruned to fewer days than this.
	PrunedBelow int
	// Limit bounds the answer (at most 10,000).
	Limit int
}

// Aggregate is an anonymous statistic that expired events of a category marked
// "anonymise" leave behind: per month and event type, how many there were (Field "") and
// the sum of each numeric field. It names nobody.
type Aggregate struct {
	Month     string // "2006-01"
	EventType string
	Field     string
	Count     int64
	Sum       float64
}

// Expiry deletes one event; if the row was still there, its aggregates are added.
type Expiry struct {
	Seq        int64
	Aggregates []Aggregate
}

// Prune rewrites one event: Body (sealed again by the caller) replaces the stored one when
// not nil, and PrunedDays records how far it was pruned.
type Prune struct {
	Seq        int64
	Body       []byte
	PrunedDays int
}

// Retention is what a retention pass changes: events past their time are deleted (and
// counted into anonymous aggregates where the manifest says so), expired fields of events
// that live on are removed, and campaign messages past their purpose's retention go.
// Legal-hold records are not among them: nothing here touches them.
type Retention interface {
	// DueEvents lists events matching q, oldest sequence first.
	DueEvents(ctx context.Context, q DueQuery) ([]EventRef, error)
	// ExpireEvents deletes the events in one transaction and adds the aggregates of each
	// row it actually deleted, so a retried pass never counts an event twice. It returns
	// how many rows it deleted.
	ExpireEvents(ctx context.Context, es []Expiry) (int, error)
	// PruneEvents applies the rewrites in one transaction and returns how many rows changed.
	PruneEvents(ctx context.Context, ps []Prune) (int, error)
	// Aggregates lists every anonymous aggregate, by month, event type and field.
	Aggregates(ctx context.Context) ([]Aggregate, error)
	// ExpireCampaignMessages deletes a campaign's messages decided before an instant and
	// returns how many.
	ExpireCampaignMessages(ctx context.Context, campaignID string, before time.Time) (int64, error)
}

// TransferRecord is one transfer to a recipient, entered in the transfer register: who
// received what, where, under which mechanism, for how many people.
type TransferRecord struct {
	ID         string
	At         time.Time
	Year       int    // the calendar year it counts in (the deployment's home zone)
	Kind       string // export, audience_sync, partner_job
	Recipient  string
	Country    string
	Mechanism  string // the manifest's transfer mechanism key ("" at home)
	Purpose    string
	Categories []string
	Sensitive  bool
	// Individuals is how many people went; Refused counts, by reason, those who did not.
	Individuals int
	Refused     map[string]int
	Actor       string
}

// TransferCount is the number of distinct people transferred in a year to a country,
// split by whether sensitive data went.
type TransferCount struct {
	Country     string
	Sensitive   bool
	Individuals int64
}

// Transfers keeps the transfer register and the distinct people counted per year.
type Transfers interface {
	// RecordTransfer enters a transfer and counts its people (keyed pseudonyms) once per
	// year, country and sensitivity, in one transaction; it returns how many of them were
	// not yet counted in that year for any country.
	RecordTransfer(ctx context.Context, r TransferRecord, pseudonyms []string) (int, error)
	// CountedIndividuals returns how many of the pseudonyms are already counted in the year
	// (any country) with that sensitivity.
	CountedIndividuals(ctx context.Context, year int, sensitive bool, pseudonyms []string) (int, error)
	// TransferTotals returns the distinct people of a year, per sensitivity, across
	// countries (a person sent to two countries counts once).
	TransferTotals(ctx context.Context, year int) (general, sensitive int64, err error)
	// TransferCounts returns the distinct people of a year per country and sensitivity.
	TransferCounts(ctx context.Context, year int) ([]TransferCount, error)
	// ListTransfers returns the register's entries of a year (0: all), newest first.
	ListTransfers(ctx context.Context, year int) ([]TransferRecord, error)
}

// Assessment is a record of processing activities (kind "ropa") or a personal-information
// protection impact assessment of one purpose (kind "pipia"), with its review workflow.
type Assessment struct {
	ID      string
	Kind    string
	Purpose string // "" for a record of processing
	// Fingerprint is a digest of the facts the assessment covers (see package assessment).
	Fingerprint  string
	ManifestHash string
	Content      []byte // JSON
	Status       string // draft, reviewed, approved, superseded
	CreatedBy    string
	CreatedAt    time.Time
	ReviewedBy   string
	ReviewedAt   *time.Time
	ApprovedBy   string
	ApprovedAt   *time.Time
	// ReviewDue is when an approved assessment must be checked again (a year on).
	ReviewDue *time.Time
	// RecheckOf names the assessment a yearly re-check redoes.
	RecheckOf string
	Note      string
}

// Assessments keeps assessments. There is no delete: they are kept as records (PIPL Art.
// 56: at least three years).
type Assessments interface {
	CreateAssessment(ctx context.Context, a Assessment) error
	// Assessment returns one; ErrNotFound if absent.
	Assessment(ctx context.Context, id string) (Assessment, error)
	// ListAssessments returns every assessment, newest first.
	ListAssessments(ctx context.Context) ([]Assessment, error)
	// UpdateAssessment stores a's workflow fields if the stored status is still from
	// (ErrConflict otherwise).
	UpdateAssessment(ctx context.Context, a Assessment, from string) error
}

// Incident is one entry of the breach register (PIPL Art. 57, GDPR Arts. 33–34).
type Incident struct {
	ID    string
	Title string
	// Drill marks an exercise of the response plan (SD-04: yearly drills).
	Drill        bool
	DiscoveredAt time.Time
	// Scope is what defines the affected acts in the audit log (JSON, package incident).
	Scope []byte
	// PIPL Art. 57's contents: cause, possible harm, measures taken, what people can do,
	// and how to reach the processor.
	Cause, Harm, Measures, Remedies, Contact string
	// Affected people (distinct pseudonyms) and the categories the acts touched.
	Affected   int
	Categories []string
	Purposes   []string
	Status     string
	// RegulatorNotifiedAt and IndividualsNotifiedAt record when notices went out.
	RegulatorNotifiedAt   *time.Time
	IndividualsNotifiedAt *time.Time
	CreatedBy             string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Incidents keeps the breach register. There is no delete.
type Incidents interface {
	CreateIncident(ctx context.Context, i Incident) error
	// Incident returns one; ErrNotFound if absent.
	Incident(ctx context.Context, id string) (Incident, error)
	// ListIncidents returns every incident, newest discovery first.
	ListIncidents(ctx context.Context) ([]Incident, error)
	// UpdateIncident replaces the mutable fields of a stored incident; ErrNotFound if absent.
	UpdateIncident(ctx context.Context, i Incident) error
}
