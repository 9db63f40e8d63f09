package room

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/store"
)

// Roles of a side in a job.
const (
	RoleInitiator = "initiator"
	RolePartner   = "partner"
)

// ValueSpec names what the partner sums per person in intersection_sum: the numeric
// property of one event over a window back from the run ("30d", "12h"). Each event's
// value counts in hundredths (round(100·v), negative values as 0), so a sum of amounts
// is exact in cents.
type ValueSpec struct {
	Event    string `json:"event"`
	Property string `json:"property"`
	Window   string `json:"window"`
}

// MaxWindow bounds a value window.
const MaxWindow = 3660 * 24 * time.Hour

// Duration parses the window: a whole number of days (d) or hours (h).
func (v ValueSpec) Duration() (time.Duration, error) {
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(v.Window, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(v.Window, "h"):
		unit = time.Hour
	}
	n, err := strconv.Atoi(strings.TrimRight(v.Window, "dh"))
	// n is bounded before it is multiplied: a huge count must not wrap around to a small
	// or negative duration.
	if unit == 0 || err != nil || n <= 0 || int64(n) > int64(MaxWindow/unit) || strconv.Itoa(n)+v.Window[len(v.Window)-1:] != v.Window {
		return 0, fmt.Errorf("%w: value.window must be a whole number of days or hours, such as 30d or 12h (at most 3660d)", ErrInvalid)
	}
	return time.Duration(n) * unit, nil
}

func (v *ValueSpec) check() error {
	if v == nil {
		return nil
	}
	if v.Event == "" || len(v.Event) > 200 {
		return fmt.Errorf("%w: value.event must name an event (1 to 200 bytes)", ErrInvalid)
	}
	if v.Property == "" || len(v.Property) > 200 {
		return fmt.Errorf("%w: value.property must name a numeric property (1 to 200 bytes)", ErrInvalid)
	}
	_, err := v.Duration()
	return err
}

// Result is what a side learned: counts and sums, never a person. Withheld results (below
// the minimum intersection) carry neither; IntersectionSum is only on the initiator's side
// of intersection_sum.
type Result struct {
	IntersectionSize *int64 `json:"intersection_size"`
	IntersectionSum  *int64 `json:"intersection_sum"`
	Withheld         bool   `json:"withheld"`
}

// Job is one side's record of a job (also its JSON in the API).
type Job struct {
	ID          string     `json:"id"`
	Partner     string     `json:"partner"`
	PartnerName string     `json:"partner_name"`
	Role        string     `json:"role"`
	Protocol    string     `json:"protocol"`
	MatchOn     string     `json:"match_on"`
	Purpose     string     `json:"purpose"`
	Segment     string     `json:"segment,omitempty"`
	Value       *ValueSpec `json:"value,omitempty"`
	State       string     `json:"state"`
	// Approved: this side's privacy officer approved; PartnerApproved: the other side's did.
	Approved        bool      `json:"approved"`
	PartnerApproved bool      `json:"partner_approved"`
	ProposedBy      string    `json:"proposed_by,omitempty"`
	ApprovedBy      string    `json:"approved_by,omitempty"`
	MinIntersection int       `json:"min_intersection"`
	Included        int       `json:"included"`
	Result          *Result   `json:"result"`
	Error           string    `json:"error,omitempty"`
	AuditLeaf       *uint64   `json:"audit_leaf,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	version         int64
}

func (j *Job) lifecycle() cleanroom.Job {
	return cleanroom.Job{State: cleanroom.JobState(j.State), Approved: j.Approved, PartnerApproved: j.PartnerApproved}
}

func (j *Job) apply(e cleanroom.JobEvent) error {
	lc := j.lifecycle()
	if err := lc.Apply(e); err != nil {
		return err
	}
	j.State, j.Approved, j.PartnerApproved = string(lc.State), lc.Approved, lc.PartnerApproved
	return nil
}

func (s *Service) load(ctx context.Context, id string) (*Job, error) {
	r, err := s.cfg.Store.CleanRoomJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownJob, id)
	}
	if err != nil {
		return nil, err
	}
	var j Job
	if err := json.Unmarshal(r.Doc, &j); err != nil {
		return nil, fmt.Errorf("clean-room job %s: %w", id, err)
	}
	j.version = r.Version
	return &j, nil
}

// update applies fn to the job as stored and saves it, again from a fresh read when
// another update came first.
func (s *Service) update(ctx context.Context, id string, fn func(j *Job) error) (*Job, error) {
	for range 20 {
		j, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(j); err != nil {
			return nil, err
		}
		j.UpdatedAt = s.cfg.Now().UTC()
		doc, _ := json.Marshal(j)
		r, err := s.cfg.Store.UpdateCleanRoomJob(ctx, store.CleanRoomJob{ID: j.ID, State: j.State, Version: j.version, UpdatedAt: j.UpdatedAt, Doc: doc})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		j.version = r.Version
		return j, nil
	}
	return nil, fmt.Errorf("update clean-room job %s: %w: too many concurrent updates", id, store.ErrConflict)
}

func (s *Service) create(ctx context.Context, j *Job) error {
	doc, _ := json.Marshal(j)
	return s.cfg.Store.CreateCleanRoomJob(ctx, store.CleanRoomJob{ID: j.ID, PartnerID: j.Partner, Role: j.Role, State: j.State,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Doc: doc})
}

// Get returns one job.
func (s *Service) Get(ctx context.Context, id string) (*Job, error) { return s.load(ctx, id) }

// List returns the newest jobs (at most 500).
func (s *Service) List(ctx context.Context) ([]*Job, error) {
	rs, err := s.cfg.Store.CleanRoomJobs(ctx, 500)
	if err != nil {
		return nil, err
	}
	out := make([]*Job, 0, len(rs))
	for _, r := range rs {
		var j Job
		if err := json.Unmarshal(r.Doc, &j); err != nil {
			return nil, fmt.Errorf("clean-room job %s: %w", r.ID, err)
		}
		out = append(out, &j)
	}
	return out, nil
}

// Proposal is what an operator proposes (POST /api/v1/cleanroom/jobs).
type Proposal struct {
	Partner  string     `json:"partner"`
	Protocol string     `json:"protocol"`
	MatchOn  string     `json:"match_on"`
	Purpose  string     `json:"purpose"`
	Segment  string     `json:"segment,omitempty"`
	Value    *ValueSpec `json:"value,omitempty"`
}

// PartnerProposal is the proposal as the initiator sends it to the partner.
type PartnerProposal struct {
	ID              string     `json:"id"`
	Protocol        string     `json:"protocol"`
	MatchOn         string     `json:"match_on"`
	Purpose         string     `json:"purpose"`
	Value           *ValueSpec `json:"value,omitempty"`
	MinIntersection int        `json:"min_intersection"`
}

func (s *Service) checkSpec(protocol, matchOn, purpose string, v *ValueSpec) error {
	switch {
	case !cleanroom.Protocol(protocol).Valid():
		return fmt.Errorf("%w: protocol must be psi_cardinality or intersection_sum", ErrInvalid)
	case !cleanroom.MatchOn(matchOn).Valid():
		return fmt.Errorf("%w: match_on must be email or phone", ErrInvalid)
	case purpose == "":
		return fmt.Errorf("%w: purpose is required", ErrInvalid)
	case cleanroom.Protocol(protocol) == cleanroom.IntersectionSum && v == nil:
		return fmt.Errorf("%w: intersection_sum needs value: the event, numeric property and window the partner sums", ErrInvalid)
	case cleanroom.Protocol(protocol) == cleanroom.PSICardinality && v != nil:
		return fmt.Errorf("%w: psi_cardinality sums nothing: leave value out", ErrInvalid)
	}
	if err := s.cfg.Purpose(purpose); err != nil {
		return fmt.Errorf("%w: purpose %q: %w", ErrInvalid, purpose, err)
	}
	return v.check()
}

// Paths of the calls between instances.
func jobsPath() string              { return "/api/v1/partner/jobs" }
func approvalPath(id string) string { return "/api/v1/partner/jobs/" + id + "/approval" }
func messagesPath(id string) string { return "/api/v1/partner/jobs/" + id + "/messages" }
func abortPath(id string) string    { return "/api/v1/partner/jobs/" + id + "/abort" }

func (s *Service) call(ctx context.Context, p store.Partner, path, ctype string, body []byte) error {
	if p.Status != string(partner.StatusActive) {
		return fmt.Errorf("%w: %s is %s", ErrPartnerInactive, p.ID, p.Status)
	}
	key, err := partner.ParseKeyID(p.KeyID)
	if err != nil {
		return err
	}
	if err := s.cfg.Transport.Call(ctx, Call{URL: p.URL, Key: key, Path: path, ContentType: ctype, Body: body}); err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return nil
}

func (s *Service) callJSON(ctx context.Context, p store.Partner, path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.call(ctx, p, path, "application/json", b)
}

// Propose creates a job on this side (the initiator) and proposes it to the partner. Both
// privacy officers then approve it, this side's included.
func (s *Service) Propose(ctx context.Context, in Proposal, actor string) (*Job, error) {
	if err := s.checkSpec(in.Protocol, in.MatchOn, in.Purpose, in.Value); err != nil {
		return nil, err
	}
	if len(in.Segment) > 200 {
		return nil, fmt.Errorf("%w: segment is at most 200 bytes", ErrInvalid)
	}
	p, err := s.partner(ctx, in.Partner)
	if err != nil {
		return nil, err
	}
	if p.Status != string(partner.StatusActive) {
		return nil, fmt.Errorf("%w: %s is %s", ErrPartnerInactive, p.ID, p.Status)
	}
	now := s.cfg.Now().UTC()
	j := &Job{ID: newID("crj_"), Partner: p.ID, PartnerName: p.Name, Role: RoleInitiator, Protocol: in.Protocol, MatchOn: in.MatchOn,
		Purpose: in.Purpose, Segment: in.Segment, Value: in.Value, State: string(cleanroom.JobProposed), ProposedBy: actor,
		MinIntersection: s.cfg.MinIntersection, CreatedAt: now, UpdatedAt: now}
	if err := s.callJSON(ctx, p, jobsPath(), PartnerProposal{ID: j.ID, Protocol: j.Protocol, MatchOn: j.MatchOn, Purpose: j.Purpose,
		Value: j.Value, MinIntersection: j.MinIntersection}); err != nil {
		return nil, err
	}
	if err := s.create(ctx, j); err != nil {
		return nil, err
	}
	return j, nil
}

// Proposed records a job a partner proposed to this instance; it waits for this side's
// privacy officer.
func (s *Service) Proposed(ctx context.Context, from partner.Peer, in PartnerProposal) (*Job, error) {
	if err := s.checkSpec(in.Protocol, in.MatchOn, in.Purpose, in.Value); err != nil {
		return nil, err
	}
	if !validJobID(in.ID) {
		return nil, fmt.Errorf("%w: id must be 1 to 64 bytes of A-Z a-z 0-9 . _ : -", ErrInvalid)
	}
	p, err := s.partner(ctx, from.ID)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	j := &Job{ID: in.ID, Partner: p.ID, PartnerName: p.Name, Role: RolePartner, Protocol: in.Protocol, MatchOn: in.MatchOn, Purpose: in.Purpose,
		Value: in.Value, State: string(cleanroom.JobProposed), MinIntersection: s.cfg.MinIntersection, CreatedAt: now, UpdatedAt: now}
	if err := s.create(ctx, j); err != nil {
		return nil, err
	}
	s.cfg.Log.Info("clean room: a partner proposed a job", "job", j.ID, "partner", p.ID, "protocol", j.Protocol)
	return j, nil
}

func validJobID(id string) bool {
	if id == "" || len(id) > cleanroom.MaxJobLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// Approval is this side's privacy officer's approval: optionally the segment of this
// side's people that enters and, on the partner's side of intersection_sum, the value.
type Approval struct {
	Segment string     `json:"segment,omitempty"`
	Value   *ValueSpec `json:"value,omitempty"`
}

// PartnerApproval tells the other side this side's decision.
type PartnerApproval struct {
	Approved bool `json:"approved"`
}

// NotifyArgs tells the other side of a job this side's approval or refusal (on the queue,
// so a partner briefly unreachable still hears it).
type NotifyArgs struct {
	Job      string `json:"job" river:"unique"`
	Approved bool   `json:"approved" river:"unique"`
}

// Kind implements jobs.Args.
func (NotifyArgs) Kind() string { return "cleanroom.notify" }

// RunArgs runs an approved job on the initiator's side.
type RunArgs struct {
	Job string `json:"job" river:"unique"`
}

// Kind implements jobs.Args.
func (RunArgs) Kind() string { return "cleanroom.run" }

// Queue is the queue the service's jobs go to.
const Queue = "cleanroom"

// Approve records this side's approval; once both sides approved, the initiator runs it.
func (s *Service) Approve(ctx context.Context, id string, in Approval, actor string) (*Job, error) {
	if err := in.Value.check(); err != nil {
		return nil, err
	}
	if len(in.Segment) > 200 {
		return nil, fmt.Errorf("%w: segment is at most 200 bytes", ErrInvalid)
	}
	j, err := s.update(ctx, id, func(j *Job) error {
		if in.Value != nil {
			if j.Role != RolePartner || j.Protocol != string(cleanroom.IntersectionSum) {
				return fmt.Errorf("%w: value is set by the partner's side of intersection_sum only", ErrInvalid)
			}
			j.Value = in.Value
		}
		if in.Segment != "" {
			j.Segment = in.Segment
		}
		j.ApprovedBy = actor
		return j.apply(cleanroom.EventApprove)
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Queue.Enqueue(ctx, NotifyArgs{Job: id, Approved: true}, &jobs.Opts{Queue: Queue, Unique: true}); err != nil {
		return nil, err
	}
	return j, s.maybeRun(ctx, j)
}

// Refuse records this side's refusal (or withdrawal before the job started).
func (s *Service) Refuse(ctx context.Context, id, actor string) (*Job, error) {
	j, err := s.update(ctx, id, func(j *Job) error {
		j.ApprovedBy = actor
		return j.apply(cleanroom.EventRefuse)
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Queue.Enqueue(ctx, NotifyArgs{Job: id, Approved: false}, &jobs.Opts{Queue: Queue, Unique: true}); err != nil {
		return nil, err
	}
	return j, nil
}

// PartnerDecided records the other side's approval or refusal.
func (s *Service) PartnerDecided(ctx context.Context, from partner.Peer, id string, in PartnerApproval) (*Job, error) {
	if err := s.owned(ctx, from, id); err != nil {
		return nil, err
	}
	ev := cleanroom.EventPartnerApprove
	if !in.Approved {
		ev = cleanroom.EventPartnerRefuse
	}
	j, err := s.update(ctx, id, func(j *Job) error { return j.apply(ev) })
	if err != nil {
		return nil, err
	}
	return j, s.maybeRun(ctx, j)
}

// owned refuses a call about a job that is not one with the calling partner.
func (s *Service) owned(ctx context.Context, from partner.Peer, id string) error {
	j, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if j.Partner != from.ID {
		return fmt.Errorf("%w: %q", ErrUnknownJob, id)
	}
	return nil
}

func (s *Service) maybeRun(ctx context.Context, j *Job) error {
	if j.Role != RoleInitiator || j.State != string(cleanroom.JobApproved) {
		return nil
	}
	_, err := s.cfg.Queue.Enqueue(ctx, RunArgs{Job: j.ID}, &jobs.Opts{Queue: Queue, Unique: true})
	return err
}

func (s *Service) notify(ctx context.Context, a NotifyArgs) error {
	j, err := s.load(ctx, a.Job)
	if err != nil {
		return err
	}
	p, err := s.partner(ctx, j.Partner)
	if err != nil {
		return err
	}
	if err := s.callJSON(ctx, p, approvalPath(j.ID), PartnerApproval{Approved: a.Approved}); err != nil {
		if errors.Is(err, ErrPartnerInactive) {
			return jobs.Cancel(err)
		}
		return err
	}
	return nil
}

// suspendJobs ends a partner's unfinished jobs (the partner was suspended or revoked).
func (s *Service) suspendJobs(ctx context.Context, partnerID string) error {
	js, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, j := range js {
		if j.Partner != partnerID || cleanroom.JobState(j.State).Terminal() {
			continue
		}
		s.dropSession(j.ID)
		if _, err := s.update(ctx, j.ID, func(j *Job) error { return j.apply(cleanroom.EventSuspend) }); err != nil && !errors.Is(err, cleanroom.ErrTransition) {
			return err
		}
	}
	return nil
}
