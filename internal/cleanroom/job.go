package cleanroom

import (
	"errors"
	"fmt"
)

// JobState is where a clean-room job stands on one side. Each side keeps its own copy of
// the job and moves it with the events below; the protocol state machines (Initiator,
// Partner) run only while it is running.
type JobState string

// The job states of issue 22.
const (
	// JobProposed: created on the initiator, or received by the partner; it waits for both
	// privacy officers' approvals.
	JobProposed JobState = "proposed"
	// JobApproved: both sides approved; it may start.
	JobApproved JobState = "approved"
	// JobRunning: the protocol messages are being exchanged.
	JobRunning JobState = "running"
	// JobDone: a result was released.
	JobDone JobState = "done"
	// JobWithheld: the protocol finished below the minimum intersection; no result.
	JobWithheld JobState = "withheld"
	// JobFailed: a step failed (a refused message, an unreachable partner, a refused
	// noise charge); the state machines were closed.
	JobFailed JobState = "failed"
	// JobRefused: a privacy officer (either side's) refused it, or withdrew approval
	// before it started.
	JobRefused JobState = "refused"
	// JobSuspended: the partner was suspended before the job finished. Approvals do not
	// survive a suspension: once the partner is resumed, a new job must be proposed and
	// approved again.
	JobSuspended JobState = "suspended"
)

// Terminal reports whether no event moves a job out of s.
func (s JobState) Terminal() bool {
	switch s {
	case JobDone, JobWithheld, JobFailed, JobRefused, JobSuspended:
		return true
	}
	return false
}

// JobEvent is something that happens to a job.
type JobEvent string

// The events of a job's life.
const (
	EventApprove        JobEvent = "approve"         // this side's privacy officer approves
	EventPartnerApprove JobEvent = "partner_approve" // the other side's approval arrived (a verified partner call)
	EventRefuse         JobEvent = "refuse"          // this side's privacy officer refuses or withdraws
	EventPartnerRefuse  JobEvent = "partner_refuse"  // the other side refused or withdrew
	EventStart          JobEvent = "start"           // the first protocol message is sent or received
	EventFinish         JobEvent = "finish"          // the state machine finished with a released result
	EventWithhold       JobEvent = "withhold"        // the state machine finished withheld
	EventFail           JobEvent = "fail"            // a step failed
	EventSuspend        JobEvent = "suspend"         // the partner was suspended
)

// ErrTransition matches every *TransitionError.
var ErrTransition = errors.New("job transition not allowed")

// TransitionError says an event does not apply to a job in its state.
type TransitionError struct {
	From  JobState
	Event JobEvent
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("job %s: not allowed when %s", e.Event, e.From)
}

func (e *TransitionError) Unwrap() error { return ErrTransition }

// Job is one side's view of a job's lifecycle: a pure value, moved by Apply. The store
// persists it; the server applies events as operators and partners act.
type Job struct {
	State JobState
	// Approved and PartnerApproved record the two approvals a proposed job waits for.
	Approved        bool
	PartnerApproved bool
}

// NewJob returns a proposed job with no approvals.
func NewJob() Job { return Job{State: JobProposed} }

// Apply moves the job by e, or returns a *TransitionError and leaves it unchanged:
//
//	proposed  --approve, partner_approve--> proposed, until both are in, then approved
//	proposed, approved --refuse, partner_refuse--> refused
//	approved  --start--> running
//	approved, running --fail--> failed
//	running   --finish--> done, --withhold--> withheld
//	proposed, approved, running --suspend--> suspended
//
// An approval given twice, a start before both approvals, or any event on a terminal job
// is refused.
func (j *Job) Apply(e JobEvent) error {
	refuse := func() error { return &TransitionError{From: j.State, Event: e} }
	if j.State.Terminal() {
		return refuse()
	}
	switch e {
	case EventApprove, EventPartnerApprove:
		if j.State != JobProposed {
			return refuse()
		}
		flag := &j.Approved
		if e == EventPartnerApprove {
			flag = &j.PartnerApproved
		}
		if *flag {
			return refuse()
		}
		*flag = true
		if j.Approved && j.PartnerApproved {
			j.State = JobApproved
		}
	case EventRefuse, EventPartnerRefuse:
		if j.State != JobProposed && j.State != JobApproved {
			return refuse()
		}
		j.State = JobRefused
	case EventStart:
		if j.State != JobApproved {
			return refuse()
		}
		j.State = JobRunning
	case EventFail:
		if j.State != JobApproved && j.State != JobRunning {
			return refuse()
		}
		j.State = JobFailed
	case EventFinish, EventWithhold:
		if j.State != JobRunning {
			return refuse()
		}
		j.State = JobDone
		if e == EventWithhold {
			j.State = JobWithheld
		}
	case EventSuspend:
		j.State = JobSuspended
	default:
		return refuse()
	}
	return nil
}
