package room

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/store"
)

// machine is a side's protocol state machine (*cleanroom.Initiator or *cleanroom.Partner).
type machine interface {
	Handle(ctx context.Context, m cleanroom.Message) ([]cleanroom.Message, error)
	Outcome() (cleanroom.Outcome, bool)
	Close()
}

// session is a running job's state machine, in memory only: its secrets never reach the
// store, and a restart loses them (the job then fails at its deadline, and is proposed
// again).
type session struct {
	mu       sync.Mutex // one message at a time, in order
	m        machine
	peer     store.Partner
	deadline time.Time
	out      chan []cleanroom.Message // outgoing messages, sent in order by one goroutine
	done     chan struct{}
	once     sync.Once
}

func (s *session) stop() {
	s.once.Do(func() {
		close(s.done)
		s.m.Close()
	})
}

func (s *Service) sessionOf(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

func (s *Service) dropSession(id string) {
	s.mu.Lock()
	ss := s.sessions[id]
	delete(s.sessions, id)
	s.mu.Unlock()
	if ss != nil {
		ss.stop()
	}
}

// Register adds the service's workers to ws. Call it before the queue starts.
func (s *Service) Register(ws *jobs.Workers) error {
	return errors.Join(
		jobs.RegisterFunc(ws, func(ctx context.Context, j *jobs.Job[RunArgs]) error { return s.run(ctx, j.Args.Job) }),
		jobs.RegisterFunc(ws, func(ctx context.Context, j *jobs.Job[NotifyArgs]) error { return s.notify(ctx, j.Args) }),
	)
}

// Run fails the running jobs that pass their deadline (a partner gone silent) until ctx
// ends, and then closes every session.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			ids := make([]string, 0, len(s.sessions))
			for id := range s.sessions {
				ids = append(ids, id)
			}
			s.mu.Unlock()
			for _, id := range ids {
				s.dropSession(id)
			}
			return
		case <-t.C:
			now := s.cfg.Now()
			s.mu.Lock()
			var late []string
			for id, ss := range s.sessions {
				if now.After(ss.deadline) {
					late = append(late, id)
				}
			}
			s.mu.Unlock()
			for _, id := range late {
				s.fail(ctx, id, errors.New("the job passed its deadline"), true)
			}
			s.reapOrphans(ctx, now)
		}
	}
}

// reapOrphans fails jobs left running without a state machine here past the deadline:
// the process that ran them stopped, and their secrets went with it.
func (s *Service) reapOrphans(ctx context.Context, now time.Time) {
	js, err := s.List(ctx)
	if err != nil {
		return
	}
	for _, j := range js {
		if j.State == string(cleanroom.JobRunning) && s.sessionOf(j.ID) == nil && now.Sub(j.UpdatedAt) > s.cfg.Timeout {
			s.fail(ctx, j.ID, errors.New("the job was interrupted (its process stopped) and passed its deadline"), true)
		}
	}
}

// config is the state machines' configuration of a job on this side.
func (s *Service) config(j *Job, p store.Partner) (cleanroom.Config, error) {
	d, err := cleanroom.NewDomain(p.Pairing)
	if err != nil {
		return cleanroom.Config{}, err
	}
	return cleanroom.Config{Job: j.ID, Protocol: cleanroom.Protocol(j.Protocol), MatchOn: cleanroom.MatchOn(j.MatchOn),
		Region: s.cfg.Region(), Domain: d, MinIntersection: j.MinIntersection}, nil
}

// enter reads this side's consented people for the job, records the processing act (one
// audience leaf: each included person's report shows it) and moves the job to running.
func (s *Service) enter(ctx context.Context, j *Job, p store.Partner) ([]cleanroom.Input, error) {
	q := InputQuery{Purpose: j.Purpose, MatchOn: cleanroom.MatchOn(j.MatchOn), Segment: j.Segment, Now: s.cfg.Now()}
	if j.Role == RolePartner && j.Protocol == string(cleanroom.IntersectionSum) {
		if j.Value == nil {
			return nil, fmt.Errorf("%w: intersection_sum needs a value on the partner's side", ErrInvalid)
		}
		q.Value = j.Value
	}
	set, err := s.cfg.Inputs.Read(ctx, q)
	if err != nil {
		return nil, err
	}
	detail := map[string]string{"job": j.ID, "partner": p.Name, "protocol": j.Protocol, "role": j.Role, "match_on": j.MatchOn}
	var leaf *uint64
	if len(set.Subjects) > 0 {
		idx, err := s.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActCleanRoom, Actor: "system", Purpose: j.Purpose,
			LegalBasis: "consent", Recipient: p.Name, Detail: detail}, set.Subjects)
		if err != nil {
			return nil, err
		}
		leaf = &idx
	}
	if _, err := s.update(ctx, j.ID, func(j *Job) error {
		j.Included, j.AuditLeaf = len(set.Inputs), leaf
		return j.apply(cleanroom.EventStart)
	}); err != nil {
		return nil, err
	}
	return set.Inputs, nil
}

// run starts an approved job on the initiator's side: its people enter, the first message
// goes out, and the rest happens as the partner's messages arrive.
func (s *Service) run(ctx context.Context, id string) error {
	j, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if j.Role != RoleInitiator || j.State != string(cleanroom.JobApproved) {
		return nil // run already, refused or suspended meanwhile
	}
	p, err := s.partner(ctx, j.Partner)
	if err != nil {
		return err
	}
	if p.Status != string(partner.StatusActive) {
		s.fail(ctx, id, fmt.Errorf("%w: %s is %s", ErrPartnerInactive, p.ID, p.Status), false)
		return nil
	}
	cfg, err := s.config(j, p)
	if err != nil {
		s.fail(ctx, id, err, false)
		return nil
	}
	inputs, err := s.enter(ctx, j, p)
	if err != nil {
		s.fail(ctx, id, err, true)
		return nil
	}
	ini, err := cleanroom.NewInitiator(cfg, inputs)
	clear(inputs)
	if err != nil {
		s.fail(ctx, id, err, true)
		return nil
	}
	ss := s.open(id, ini, p)
	m1, err := ini.Start()
	if err != nil {
		s.fail(ctx, id, err, true)
		return nil
	}
	ss.out <- []cleanroom.Message{m1}
	return nil
}

// open registers a session and starts the goroutine that sends its outgoing messages.
func (s *Service) open(id string, m machine, p store.Partner) *session {
	ss := &session{m: m, peer: p, deadline: s.cfg.Now().Add(s.cfg.Timeout), out: make(chan []cleanroom.Message, 4), done: make(chan struct{})}
	s.mu.Lock()
	s.sessions[id] = ss
	s.mu.Unlock()
	go s.sender(id, ss)
	return ss
}

// sender sends a session's messages in order, each as a signed call, zeroing each once
// sent; a failed call fails the job.
func (s *Service) sender(id string, ss *session) {
	ctx := context.Background()
	for {
		select {
		case <-ss.done:
			return
		case ms := <-ss.out:
			if ms == nil { // the job finished and its last messages are sent
				s.dropSession(id)
				return
			}
			for i, m := range ms {
				b, err := m.MarshalBinary()
				m.Zero()
				if err == nil {
					err = s.call(ctx, ss.peer, messagesPath(id), "application/octet-stream", b)
				}
				clear(b)
				if err != nil {
					for _, rest := range ms[i+1:] {
						rest.Zero()
					}
					s.fail(ctx, id, fmt.Errorf("send %s: %w", m.Kind(), err), true)
					return
				}
			}
		}
	}
}

// Message handles a protocol message from the partner of a job: it must be the job's
// partner, the job approved on both sides, and the message the next one the state machine
// expects. The message's bytes are zeroed once handled.
func (s *Service) Message(ctx context.Context, from partner.Peer, id string, body []byte) error {
	defer clear(body)
	j, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if j.Partner != from.ID {
		return fmt.Errorf("%w: %q", ErrUnknownJob, id)
	}
	m, err := cleanroom.ParseMessage(body)
	if err != nil {
		return err
	}
	defer m.Zero()
	ss := s.sessionOf(id)
	if ss == nil {
		if j.Role != RolePartner || m.Kind() != cleanroom.KindBlinded {
			return fmt.Errorf("%w: %s", ErrNotRunning, j.State)
		}
		if j.State != string(cleanroom.JobApproved) {
			return fmt.Errorf("%w: the job is %s (approved here: %t, by the initiator: %t)", ErrNotApproved, j.State, j.Approved, j.PartnerApproved)
		}
		if ss, err = s.start(ctx, j); err != nil {
			return err
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	select {
	case <-ss.done:
		return fmt.Errorf("%w: the job ended", ErrNotRunning)
	default:
	}
	out, err := ss.m.Handle(ctx, m)
	if err != nil {
		if errors.Is(err, cleanroom.ErrTranscript) || errors.Is(err, cleanroom.ErrUnexpected) || errors.Is(err, cleanroom.ErrWrongJob) ||
			errors.Is(err, cleanroom.ErrMalformed) {
			return err // refused; the state machine is unchanged and the legitimate message may still come
		}
		s.fail(ctx, id, err, true)
		return err
	}
	if len(out) > 0 {
		ss.out <- out
	}
	if o, done := ss.m.Outcome(); done {
		ss.out <- nil // the sender drops the session (wiping it) once the last messages are out
		s.finish(ctx, id, o)
	}
	return nil
}

// start opens the partner's side of a job when the initiator's first message arrives.
func (s *Service) start(ctx context.Context, j *Job) (*session, error) {
	p, err := s.partner(ctx, j.Partner)
	if err != nil {
		return nil, err
	}
	cfg, err := s.config(j, p)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if ss := s.sessions[j.ID]; ss != nil { // a concurrent first message won
		s.mu.Unlock()
		return ss, nil
	}
	s.mu.Unlock()
	inputs, err := s.enter(ctx, j, p)
	if err != nil {
		s.fail(ctx, j.ID, err, true)
		return nil, err
	}
	par, err := cleanroom.NewPartner(cfg, inputs)
	clear(inputs)
	if err != nil {
		s.fail(ctx, j.ID, err, true)
		return nil, err
	}
	return s.open(j.ID, par, p), nil
}

// finish stores what this side learned, wipes the state machine and records the release.
func (s *Service) finish(ctx context.Context, id string, o cleanroom.Outcome) {
	res := &Result{Withheld: o.Status == cleanroom.StatusWithheld}
	ev := cleanroom.EventWithhold
	if !res.Withheld {
		ev = cleanroom.EventFinish
		size := o.IntersectionSize
		res.IntersectionSize = &size
		if o.HasSum {
			sum := o.IntersectionSum
			res.IntersectionSum = &sum
		}
	}
	j, err := s.update(ctx, id, func(j *Job) error {
		j.Result = res
		return j.apply(ev)
	})
	if err != nil {
		s.cfg.Log.Error("clean room: storing a result failed", "job", id, "err", err)
		return
	}
	detail := map[string]string{"job": id, "partner": j.PartnerName, "protocol": j.Protocol, "role": j.Role, "state": j.State}
	if res.IntersectionSize != nil {
		detail["intersection_size"] = strconv.FormatInt(*res.IntersectionSize, 10)
	}
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActCleanRoom, Actor: "system", Purpose: j.Purpose, Recipient: j.PartnerName, Detail: detail}); err != nil {
		s.cfg.Log.Error("clean room: recording a result failed", "job", id, "err", err)
	}
	s.cfg.Log.Info("clean room: job finished", "job", id, "state", j.State)
}

// fail ends a job that cannot go on: its state machine is wiped, the job failed (with the
// reason) and, when tell is set, the partner told so it wipes its side too.
func (s *Service) fail(ctx context.Context, id string, cause error, tell bool) {
	s.dropSession(id)
	j, err := s.update(ctx, id, func(j *Job) error {
		if err := j.apply(cleanroom.EventFail); err != nil {
			return err
		}
		j.Error = cause.Error()
		return nil
	})
	if err != nil {
		if !errors.Is(err, cleanroom.ErrTransition) {
			s.cfg.Log.Error("clean room: failing a job failed", "job", id, "err", err)
		}
		return
	}
	s.cfg.Log.Warn("clean room: job failed", "job", id, "err", cause)
	if tell {
		if p, err := s.partner(ctx, j.Partner); err == nil {
			if err := s.callJSON(ctx, p, abortPath(id), Abort{Reason: "the other side failed the job"}); err != nil {
				s.cfg.Log.Warn("clean room: telling the partner a job failed did not work", "job", id, "err", err)
			}
		}
	}
}

// Abort is the other side's notice that a job failed there.
type Abort struct {
	Reason string `json:"reason"`
}

// Aborted handles the other side's notice that the job failed: this side wipes its state
// machine and fails the job too.
func (s *Service) Aborted(ctx context.Context, from partner.Peer, id string, in Abort) error {
	if err := s.owned(ctx, from, id); err != nil {
		return err
	}
	reason := in.Reason
	if len(reason) > 200 {
		reason = reason[:200]
	}
	s.fail(ctx, id, fmt.Errorf("the partner ended the job: %s", reason), false)
	return nil
}
