package campaign

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/store"
)

// Queue names the engine's jobs go to.
const Queue = "campaign"

// RunArgs plans one run of a campaign: resolves the audience and enqueues its delivery
// batches (or, for an ad audience, syncs it).
type RunArgs struct {
	Campaign string `json:"campaign" river:"unique"`
	Run      string `json:"run" river:"unique"`
}

// Kind implements jobs.Args.
func (RunArgs) Kind() string { return "campaign.run" }

// DeliverArgs delivers one batch: a campaign's run, or a journey's send step (Step ≥ 0).
type DeliverArgs struct {
	Campaign string   `json:"campaign" river:"unique"`
	Run      string   `json:"run" river:"unique"`
	Batch    string   `json:"batch" river:"unique"`
	Step     int      `json:"step"`
	Subjects []string `json:"subjects"`
}

// Kind implements jobs.Args.
func (DeliverArgs) Kind() string { return "campaign.deliver" }

// ScheduleArgs is the periodic tick that starts due runs of once and recurring campaigns.
type ScheduleArgs struct{}

// Kind implements jobs.Args.
func (ScheduleArgs) Kind() string { return "campaign.schedule" }

// JourneyTickArgs is the periodic tick that moves people along their journeys.
type JourneyTickArgs struct{}

// Kind implements jobs.Args.
func (JourneyTickArgs) Kind() string { return "campaign.journeys" }

// Register adds the engine's workers to ws. Call it before the queue starts.
func (s *Service) Register(ws *jobs.Workers) error {
	return errors.Join(
		jobs.Register(ws, &runWorker{s: s}),
		jobs.Register(ws, &deliverWorker{s: s}),
		jobs.RegisterFunc(ws, func(ctx context.Context, _ *jobs.Job[ScheduleArgs]) error { return s.Tick(ctx) }),
		jobs.RegisterFunc(ws, func(ctx context.Context, _ *jobs.Job[JourneyTickArgs]) error { return s.AdvanceJourneys(ctx) }),
	)
}

// Periodic returns the engine's periodic jobs (the scheduler and the journey tick, every
// interval) for jobs.Config.Periodic; they need no Service, so the queue can open first.
func Periodic(every time.Duration) []jobs.Periodic {
	if every <= 0 {
		every = time.Minute
	}
	opts := &jobs.Opts{Queue: Queue}
	return []jobs.Periodic{
		{ID: "campaign.schedule", Schedule: jobs.Every(every), Args: func() jobs.Args { return ScheduleArgs{} }, Opts: opts, RunOnStart: true},
		{ID: "campaign.journeys", Schedule: jobs.Every(every), Args: func() jobs.Args { return JourneyTickArgs{} }, Opts: opts, RunOnStart: true},
	}
}

type runWorker struct {
	jobs.WorkerDefaults[RunArgs]
	s *Service
}

func (w *runWorker) Work(ctx context.Context, j *jobs.Job[RunArgs]) error {
	return w.s.plan(ctx, j.Args.Campaign, j.Args.Run)
}

type deliverWorker struct {
	jobs.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) NextRetry(j *jobs.Job[DeliverArgs]) time.Time {
	return time.Now().Add(channel.Backoff(j.Attempt, w.s.cfg.RetryBase, w.s.cfg.RetryMax))
}

func (w *deliverWorker) Work(ctx context.Context, j *jobs.Job[DeliverArgs]) error {
	_, err := w.s.DeliverBatch(ctx, j.Args, j.Attempt, j.MaxAttempts)
	if errors.Is(err, ErrNotActive) {
		return jobs.Snooze(time.Minute)
	}
	return err
}

// DeliverBatch runs one delivery batch (what the deliver job does). attempt counts from 1.
func (s *Service) DeliverBatch(ctx context.Context, a DeliverArgs, attempt, maxAttempts int) (Batch, error) {
	def, cs, err := s.load(ctx, a.Campaign)
	if err != nil {
		return Batch{}, err
	}
	if def.Status != StatusActive {
		return Batch{}, fmt.Errorf("deliver %s: %w", a.Campaign, ErrNotActive)
	}
	var t *target
	switch {
	case cs.c != nil:
		t = campaignTarget(cs.c)
	case cs.j != nil && a.Step >= 0 && a.Step < len(cs.j.Steps) && cs.j.Steps[a.Step].Send != nil:
		t = journeyTarget(cs.j, a.Step)
	default:
		return Batch{}, jobs.Cancel(fmt.Errorf("deliver %s: step %d is not a send step", a.Campaign, a.Step))
	}
	return s.deliver(ctx, t, a.Run, a.Subjects, attempt, maxAttempts)
}

// Run enqueues a run of a campaign now (what the scheduler does when one is due); runID
// names it, and a second Run with the same id is a duplicate.
func (s *Service) Run(ctx context.Context, campaignID, runID string) error {
	_, err := s.cfg.Queue.Enqueue(ctx, RunArgs{Campaign: campaignID, Run: runID}, &jobs.Opts{Queue: Queue, Unique: true})
	return err
}

// plan resolves a run's audience and enqueues its batches, each unique, so a plan that
// dies half-way and runs again enqueues nothing twice.
func (s *Service) plan(ctx context.Context, id, runID string) error {
	def, cs, err := s.load(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return jobs.Cancel(err)
		}
		return err
	}
	if cs.c == nil {
		return jobs.Cancel(fmt.Errorf("plan %s: not a campaign", id))
	}
	if def.Status != StatusActive {
		return jobs.Snooze(time.Minute)
	}
	if cs.c.Channel.Type == ChannelAdAudience {
		_, err := s.SyncAudience(ctx, id)
		return err
	}
	members, err := s.cfg.Segments.Members(ctx, cs.c.Audience.Segment)
	if err != nil {
		return fmt.Errorf("plan %s: audience: %w", id, err)
	}
	return s.enqueueBatches(ctx, id, runID, -1, "b", members)
}

func (s *Service) enqueueBatches(ctx context.Context, id, runID string, step int, prefix string, subjects []string) error {
	var items []jobs.Item
	for i, b := range s.batches(subjects) {
		items = append(items, jobs.Item{Args: DeliverArgs{Campaign: id, Run: runID, Batch: prefix + strconv.Itoa(i), Step: step, Subjects: b},
			Opts: &jobs.Opts{Queue: Queue, Unique: true, MaxAttempts: s.cfg.MaxAttempts}})
		if len(items) == 100 {
			if _, err := s.cfg.Queue.EnqueueMany(ctx, items); err != nil {
				return err
			}
			items = items[:0]
		}
	}
	if _, err := s.cfg.Queue.EnqueueMany(ctx, items); err != nil {
		return err
	}
	return nil
}

// enqueueDeferred re-enqueues people met in quiet hours for the end of their quiet hours.
func (s *Service) enqueueDeferred(ctx context.Context, t *target, runID string, deferred map[time.Time][]string) error {
	step := -1
	if t.contentID != t.campaignID {
		_, cs, err := s.load(ctx, t.campaignID)
		if err != nil {
			return err
		}
		if cs.j != nil {
			step = cs.j.index[t.contentID[len(t.campaignID)+1:]]
		}
	}
	for at, subs := range deferred {
		var items []jobs.Item
		for i, b := range s.batches(subs) {
			items = append(items, jobs.Item{Args: DeliverArgs{Campaign: t.campaignID, Run: runID, Step: step,
				Batch: "q" + strconv.FormatInt(at.Unix(), 10) + "-" + MessageID(t.contentID, runID, b[0])[4:16] + "-" + strconv.Itoa(i), Subjects: b},
				Opts: &jobs.Opts{Queue: Queue, Unique: true, At: at, MaxAttempts: s.cfg.MaxAttempts}})
		}
		if _, err := s.cfg.Queue.EnqueueMany(ctx, items); err != nil {
			return fmt.Errorf("defer %s: %w", t.contentID, err)
		}
	}
	return nil
}

// Tick starts the runs that are due and schedules each campaign's next run. Missed runs
// (the scheduler was down) are not caught up one by one: the next run is the next one
// after now.
func (s *Service) Tick(ctx context.Context) error {
	now := s.now()
	due, err := s.cfg.Store.DueCampaigns(ctx, now)
	if err != nil {
		return err
	}
	for _, def := range due {
		_, cs, err := s.load(ctx, def.ID)
		if err != nil || cs.c == nil {
			continue // a definition that no longer checks stays put; listing shows it
		}
		runID := def.NextRunAt.UTC().Format(time.RFC3339)
		if err := s.Run(ctx, def.ID, runID); err != nil {
			return err
		}
		var next *time.Time
		if n := cs.c.Schedule.Next(maxTime(*def.NextRunAt, now)); !n.IsZero() {
			next = &n
		}
		if err := s.cfg.Store.SetCampaignRun(ctx, def.ID, StatusActive, next, now); err != nil {
			return err
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Event is an event about a person, as the engine hears of it.
type Event struct {
	ID        string // the event's message id (a trigger's run id derives from it)
	SubjectID string
	Name      string
	At        time.Time
}

// ObserveEvent reacts to an event: it marks conversions, triggers triggered campaigns
// (after their delay, if the person is in the audience then) and enters event-entry
// journeys. The ingestion pipeline calls it after storing the event.
func (s *Service) ObserveEvent(ctx context.Context, e Event) error {
	if _, err := s.cfg.Store.MarkConversions(ctx, e.SubjectID, e.Name, e.At); err != nil {
		return err
	}
	active, err := s.activeSpecs(ctx)
	if err != nil {
		return err
	}
	for _, cs := range active {
		switch {
		case cs.c != nil && cs.c.Schedule.Kind == ScheduleTriggered && cs.c.Schedule.Event == e.Name:
			if u := cs.c.Schedule.Until; u != nil && e.At.After(*u) {
				continue
			}
			in, err := s.cfg.Segments.Contains(ctx, cs.c.Audience.Segment, []string{e.SubjectID})
			if err != nil {
				return err
			}
			if !in[0] {
				continue
			}
			run := "ev:" + e.ID
			if _, err := s.cfg.Queue.Enqueue(ctx, DeliverArgs{Campaign: cs.c.ID, Run: run, Batch: "t", Step: -1, Subjects: []string{e.SubjectID}},
				&jobs.Opts{Queue: Queue, Unique: true, At: e.At.Add(cs.c.Schedule.Delay.D()), MaxAttempts: s.cfg.MaxAttempts}); err != nil {
				return err
			}
		case cs.j != nil && cs.j.Entry.Event == e.Name:
			if err := s.enter(ctx, cs.j, []string{e.SubjectID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ObserveStored is ObserveEvent for a batch the ingestion pipeline just committed: the
// track events some definition reacts to (Observes) are observed, the rest cost nothing.
// An event stored again by a client's retry is observed again, which changes nothing: a
// conversion is marked once, a trigger is a unique job per event, an entry happens once.
func (s *Service) ObserveStored(ctx context.Context, evs []store.Event) error {
	var errs []error
	for _, e := range evs {
		if e.Type != "track" || e.Name == "" {
			continue
		}
		ok, err := s.Observes(ctx, e.Name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := s.ObserveEvent(ctx, Event{ID: e.SourceID + ":" + e.MessageID, SubjectID: e.SubjectID, Name: e.Name, At: e.OccurredAt}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Observes reports whether events named name matter to some definition: the conversion
// event of any campaign or journey (a paused or finished one still has windows open), or
// the trigger or entry event of an active one. The ingestion pipeline asks before calling
// ObserveEvent, so the events nothing measures cost no store work at all.
func (s *Service) Observes(ctx context.Context, name string) (bool, error) {
	if _, err := s.activeSpecs(ctx); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watched[name], nil
}

// activeTTL is how long the list of active definitions that events are matched against
// is reused: ObserveEvent runs for every ingested event, and activating a campaign may
// take this long to see its first trigger.
const activeTTL = 2 * time.Second

// activeSpecs returns the parsed active definitions, reread at most every activeTTL.
func (s *Service) activeSpecs(ctx context.Context) ([]cachedSpec, error) {
	s.mu.Lock()
	if time.Since(s.activeAt) < activeTTL && s.active != nil {
		out := s.active
		s.mu.Unlock()
		return out, nil
	}
	s.mu.Unlock()
	defs, err := s.cfg.Store.ListCampaigns(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []cachedSpec{}
	watched := map[string]bool{}
	for _, def := range defs {
		_, cs, err := s.load(ctx, def.ID)
		if err != nil {
			continue
		}
		switch {
		case cs.c != nil && cs.c.Conversion != nil:
			watched[cs.c.Conversion.Event] = true
		case cs.j != nil && cs.j.Conversion != nil:
			watched[cs.j.Conversion.Event] = true
		}
		if def.Status != StatusActive {
			continue
		}
		switch {
		case cs.c != nil && cs.c.Schedule.Kind == ScheduleTriggered:
			watched[cs.c.Schedule.Event] = true
		case cs.j != nil && cs.j.Entry.Event != "":
			watched[cs.j.Entry.Event] = true
		}
		out = append(out, cs)
	}
	s.mu.Lock()
	s.active, s.activeAt, s.watched = out, time.Now(), watched
	s.mu.Unlock()
	return out, nil
}

// ObserveSegmentEntry enters people who just entered a segment into the journeys whose
// entry is that segment (the segment engine's live updates call it).
func (s *Service) ObserveSegmentEntry(ctx context.Context, segment string, subjectIDs []string) error {
	active, err := s.activeSpecs(ctx)
	if err != nil {
		return err
	}
	for _, cs := range active {
		if cs.j == nil || cs.j.Entry.Segment != segment {
			continue
		}
		if err := s.enter(ctx, cs.j, subjectIDs); err != nil {
			return err
		}
	}
	return nil
}

// SyncResult is the outcome of an ad-audience sync.
type SyncResult struct {
	Wanted, Added, Removed int
	Skipped                map[string]int
}

// SyncAudience makes the ad platform's audience equal to the campaign's members who may be
// shared with its recipient now: normalised, SHA-256-hashed email and phone, sent as
// add/remove deltas against the set last synced. Someone who withdrew (or was erased, or
// objected) is not wanted any more and is removed by this sync.
func (s *Service) SyncAudience(ctx context.Context, campaignID string) (SyncResult, error) {
	res := SyncResult{Skipped: map[string]int{}}
	_, cs, err := s.load(ctx, campaignID)
	if err != nil {
		return res, err
	}
	c := cs.c
	if c == nil || c.Channel.Type != ChannelAdAudience {
		return res, fmt.Errorf("sync audience %s: not an ad_audience campaign", campaignID)
	}
	platform := s.cfg.Audiences[c.Channel.Destination]
	if platform == nil {
		return res, fmt.Errorf("sync audience %s: %w: audience %s", campaignID, ErrNoChannel, c.Channel.Destination)
	}
	members, err := s.cfg.Segments.Members(ctx, c.Audience.Segment)
	if err != nil {
		return res, fmt.Errorf("sync audience %s: %w", campaignID, err)
	}
	t := campaignTarget(c)
	now := s.now()
	var wanted, shared []string
	hashes := map[string][]string{} // each shared person's hashes, for the transfer check
	for _, b := range s.batches(members) {
		decs, err := s.cfg.Eligibility.Check(ctx, b, t.query())
		if err != nil {
			return res, fmt.Errorf("sync audience %s: eligibility: %w", campaignID, err)
		}
		for i, d := range decs {
			v := s.check(t, b[i], d, now)
			if v.status != store.MessagePending {
				res.Skipped[v.reason]++
				continue
			}
			n := 0
			if e, err := channel.NormaliseEmail(d.Contact.Email); err == nil {
				wanted = append(wanted, channel.Hash(e))
				n++
			}
			if p, err := channel.NormalisePhone(d.Contact.Phone, "86"); err == nil {
				wanted = append(wanted, channel.Hash(p))
				n++
			}
			if n == 0 {
				res.Skipped[ReasonNoContact]++
				continue
			}
			shared = append(shared, b[i])
			hashes[b[i]] = wanted[len(wanted)-n:]
		}
	}
	if shared, wanted, err = s.checkTransfer(ctx, c, shared, hashes, wanted, res.Skipped); err != nil {
		return res, fmt.Errorf("sync audience %s: %w", campaignID, err)
	}
	synced, err := s.cfg.Store.AudienceMembers(ctx, c.Channel.Destination)
	if err != nil {
		return res, err
	}
	add, remove := channel.Delta(synced, wanted)
	res.Wanted, res.Added, res.Removed = len(shared), len(add), len(remove)
	if len(add) == 0 && len(remove) == 0 {
		return res, nil
	}
	if len(shared) > 0 {
		// Sharing with a third party is a processing act for everyone in the audience.
		ev := audit.Event{Act: audit.ActActivation, Actor: "system", Purpose: c.Purpose, LegalBasis: "separate_consent",
			Recipient: c.Channel.Recipient, Detail: map[string]string{"campaign": c.ID, "channel": ChannelAdAudience,
				"destination": c.Channel.Destination, "added": strconv.Itoa(len(add)), "removed": strconv.Itoa(len(remove))}}
		if _, err := s.cfg.Recorder.RecordAudience(ctx, ev, shared); err != nil {
			return res, fmt.Errorf("sync audience %s: record: %w", campaignID, err)
		}
	}
	if err := platform.SyncAudience(ctx, c.Channel.Destination, add, remove); err != nil {
		return res, fmt.Errorf("sync audience %s: %w", campaignID, err)
	}
	if err := s.cfg.Store.ApplyAudienceDelta(ctx, c.Channel.Destination, add, remove, now); err != nil {
		return res, fmt.Errorf("sync audience %s: %w", campaignID, err)
	}
	return res, nil
}
