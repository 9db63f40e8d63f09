package store

import (
	"context"
	"time"
)

// Partner is another Steward instance this one is paired with (issue 22): its pinned
// public key (by key id), where it is reached, and whether its calls are accepted.
type Partner struct {
	ID string
	// KeyID is the partner's pinned ed25519 key (partner.KeyID): unique, one partner per key.
	KeyID string
	URL   string
	// Name is how operators call it (by default its URL's host).
	Name string
	// Status is active, suspended or revoked (partner.Status).
	Status string
	// Pairing names the pairing of the two instances (partner.PairingID).
	Pairing string
	// Invited is true when this instance invited the partner, false when it accepted the
	// partner's invite.
	Invited   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PartnerInvite is an invite this instance handed out: its one-time secret (needed to
// check the acceptance's MAC) until it is used or expires. Configuration, not personal data.
type PartnerInvite struct {
	ID        string
	Secret    []byte
	URL       string
	Expires   time.Time
	CreatedAt time.Time
	CreatedBy string
	// UsedAt and PartnerID are set once an acceptance used it.
	UsedAt    time.Time
	PartnerID string
}

// CleanRoomJob is one side's record of a clean-room job. Doc is the job as the clean-room
// service keeps it (JSON: specs, approvals, the released result — counts and sums, never a
// person); State is copied out of it for listing. Version guards concurrent updates.
type CleanRoomJob struct {
	ID        string
	PartnerID string
	// Role is "initiator" or "partner".
	Role      string
	State     string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	Doc       []byte
}

// CleanRoom keeps partners, invites, the nonces of partner calls and clean-room jobs.
type CleanRoom interface {
	// CreatePartnerInvite stores an invite; ErrConflict if its id exists.
	CreatePartnerInvite(ctx context.Context, inv PartnerInvite) error
	// PartnerInvite returns an invite by id (ErrNotFound).
	PartnerInvite(ctx context.Context, id string) (PartnerInvite, error)
	// UsePartnerInvite, in one transaction, marks the unused invite used at at and creates
	// p: ErrNotFound without the invite, ErrConflict when it was used already or p's key is
	// pinned by another partner (then nothing changes).
	UsePartnerInvite(ctx context.Context, inviteID string, at time.Time, p Partner) error
	// CreatePartner pins a partner; ErrConflict if its id or key is pinned already.
	CreatePartner(ctx context.Context, p Partner) error
	// Partner returns a partner by id (ErrNotFound).
	Partner(ctx context.Context, id string) (Partner, error)
	// PartnerByKey returns the partner pinning keyID (ErrNotFound).
	PartnerByKey(ctx context.Context, keyID string) (Partner, error)
	// Partners lists every partner, oldest first.
	Partners(ctx context.Context) ([]Partner, error)
	// SetPartnerStatus changes a partner's status (ErrNotFound).
	SetPartnerStatus(ctx context.Context, id, status string, at time.Time) error
	// RememberNonce records (keyID, nonce) until until and reports whether it was new: a
	// nonce already held with an until after now is not (a replay). It is atomic across
	// processes sharing the store, and survives a restart, so a restart does not reopen
	// the replay window. Expired nonces are swept as it goes.
	RememberNonce(ctx context.Context, keyID, nonce string, until, now time.Time) (bool, error)
	// CreateCleanRoomJob stores a new job at version 1; ErrConflict if its id exists.
	CreateCleanRoomJob(ctx context.Context, j CleanRoomJob) error
	// CleanRoomJob returns a job by id (ErrNotFound).
	CleanRoomJob(ctx context.Context, id string) (CleanRoomJob, error)
	// CleanRoomJobs lists up to limit jobs, newest first.
	CleanRoomJobs(ctx context.Context, limit int) ([]CleanRoomJob, error)
	// UpdateCleanRoomJob replaces the job's state, doc and updated_at if its stored version
	// is j.Version, and returns it at the next version: ErrConflict when another update
	// came first, ErrNotFound without the job.
	UpdateCleanRoomJob(ctx context.Context, j CleanRoomJob) (CleanRoomJob, error)
}
