package campaign

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/store"
)

// Campaign statuses.
const (
	StatusDraft  = "draft"
	StatusActive = "active"
	StatusPaused = "paused"
	StatusDone   = "done"
)

// Config is what the engine needs. Store, Queue, Eligibility, Segments, Recorder and
// Secret are required.
type Config struct {
	Store       Store
	Queue       Enqueuer
	Eligibility Eligibility
	Segments    Segments
	Recorder    Recorder
	// Objector records one-click unsubscribes; nil refuses them.
	Objector Objector
	// Channels deliver messages by channel type ("webhook" for the default endpoint,
	// "webhook:NAME" for a campaign's channel.endpoint NAME, "email").
	Channels map[string]channel.Sender
	// Audiences receive ad-audience deltas, by destination name.
	Audiences map[string]channel.AudiencePlatform
	// Transfers checks each ad-audience sync against the cross-border rules (a recipient
	// abroad needs a valid mechanism and each person's separate consent); nil skips the
	// check, for recipients at home only (issue 26).
	Transfers Transfers
	// Caps are the deployment's frequency caps (from the manifest); zero values mean
	// 3 per day and 1 per day for elderly people.
	Caps CapsConfig
	// QuietHours apply to campaigns without their own; nil means 21:00–08:00, defer; an
	// empty range (start = end) switches the default off.
	QuietHours *QuietHours
	// DefaultLocation is the time zone of people whose zone is unknown (default
	// Asia/Shanghai).
	DefaultLocation *time.Location
	// Sender is the default sender name on messages.
	Sender string
	// WhyURL and UnsubscribeURL are the privacy center's public links; messages append
	// "?m=<message id>" and "?t=<token>".
	WhyURL         string
	UnsubscribeURL string
	// Secret keys the holdout hash and unsubscribe tokens (at least 32 bytes; keep it
	// stable, or holdouts reshuffle and sent links stop working).
	Secret []byte
	// BatchSize is the number of people per delivery job (default 500).
	BatchSize int
	// MaxAttempts per delivery batch before its undelivered messages are dead-lettered
	// (default 8).
	MaxAttempts int
	// RetryBase and RetryMax shape the exponential backoff of retries (default 30 s and
	// 1 h).
	RetryBase, RetryMax time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// DP, when set, releases the results of definitions that name a privacy budget
	// (dpresults.go); without it their results are refused.
	DP *DPConfig
}

// Service is the campaign and journey engine.
type Service struct {
	cfg        Config
	holdoutKey []byte
	tokenKey   []byte

	// limits are the deployment's caps and default quiet hours: the manifest in force
	// sets them, and a newly published manifest changes them without a restart.
	limits atomic.Pointer[Limits]

	mu       sync.Mutex
	specs    map[string]cachedSpec // id → parsed definition, by UpdatedAt
	active   []cachedSpec          // active definitions, for matching events
	activeAt time.Time
	watched  map[string]bool // event names some definition reacts to (Observes)
}

type cachedSpec struct {
	updated time.Time
	c       *Campaign
	j       *Journey
}

// New returns the engine.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil, cfg.Queue == nil, cfg.Eligibility == nil, cfg.Segments == nil, cfg.Recorder == nil:
		return nil, errors.New("new campaign service: Store, Queue, Eligibility, Segments and Recorder are required")
	case len(cfg.Secret) < 32:
		return nil, errors.New("new campaign service: Secret must be at least 32 bytes")
	}
	if cfg.DefaultLocation == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		cfg.DefaultLocation = loc
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 30 * time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, cfg.Secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	svc := &Service{cfg: cfg, holdoutKey: derive("steward campaign holdout v1"), tokenKey: derive("steward unsubscribe token v2"),
		specs: map[string]cachedSpec{}}
	svc.SetLimits(Limits{Caps: cfg.Caps, QuietHours: cfg.QuietHours})
	return svc, nil
}

// Limits are the deployment's frequency caps and default quiet hours (Config.Caps and
// Config.QuietHours, later the manifest in force).
type Limits struct {
	Caps       CapsConfig
	QuietHours *QuietHours
}

// SetLimits replaces the caps and default quiet hours; zero caps mean 3 per day and 1 per
// day for elderly people, nil quiet hours 21:00–08:00 (defer), and an empty range (start
// = end) no default quiet hours. Sends decided from now on use them.
func (s *Service) SetLimits(l Limits) {
	if l.Caps.PerDay == 0 {
		l.Caps.PerDay = 3
	}
	if l.Caps.ElderlyPerDay == 0 {
		l.Caps.ElderlyPerDay = 1
	}
	if l.QuietHours == nil {
		l.QuietHours = &QuietHours{Start: 21 * 60, End: 8 * 60, Action: QuietDefer}
	}
	q := *l.QuietHours
	l.QuietHours = &q
	s.limits.Store(&l)
}

// Limits returns the caps and default quiet hours in force.
func (s *Service) Limits() Limits { return *s.limits.Load() }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Define stores a campaign definition (status draft) after checking it.
func (s *Service) Define(ctx context.Context, spec []byte, actor string) (*Campaign, error) {
	c, err := ParseCampaign(spec)
	if err != nil {
		return nil, err
	}
	return c, s.put(ctx, store.CampaignKindCampaign, c.ID, spec, actor)
}

// DefineJourney stores a journey definition (status draft) after checking it.
func (s *Service) DefineJourney(ctx context.Context, spec []byte, actor string) (*Journey, error) {
	j, err := ParseJourney(spec)
	if err != nil {
		return nil, err
	}
	return j, s.put(ctx, store.CampaignKindJourney, j.ID, spec, actor)
}

func (s *Service) put(ctx context.Context, kind, id string, spec []byte, actor string) error {
	now := s.now()
	if old, err := s.cfg.Store.GetCampaign(ctx, id); err == nil {
		if old.Kind != kind {
			return &SpecError{Pointer: "/id", Reason: fmt.Sprintf("%q is already a %s", id, old.Kind)}
		}
		if old.Status == StatusActive {
			return &SpecError{Pointer: "/id", Reason: fmt.Sprintf("%q is active: pause it before changing it", id)}
		}
	}
	return s.cfg.Store.PutCampaign(ctx, store.CampaignDef{ID: id, Kind: kind, Spec: spec, Status: StatusDraft, Actor: actor,
		CreatedAt: now, UpdatedAt: now})
}

// Activate starts a campaign or journey: once and recurring campaigns get their first
// run scheduled; triggered campaigns and journeys start reacting to events.
func (s *Service) Activate(ctx context.Context, id string) error {
	def, err := s.cfg.Store.GetCampaign(ctx, id)
	if err != nil {
		return s.notFound(id, err)
	}
	var next *time.Time
	if def.Kind == store.CampaignKindJourney {
		j, err := ParseJourney(def.Spec)
		if err != nil {
			return err
		}
		if err := s.channelReady(j.Channel); err != nil {
			return fmt.Errorf("activate %s: %w", id, err)
		}
	}
	if def.Kind == store.CampaignKindCampaign {
		c, err := ParseCampaign(def.Spec)
		if err != nil {
			return err
		}
		if err := s.channelReady(c.Channel); err != nil {
			return fmt.Errorf("activate %s: %w", id, err)
		}
		if c.Schedule.Kind != ScheduleTriggered {
			n := c.Schedule.First(s.now())
			if c.Schedule.Kind == ScheduleOnce && n.IsZero() {
				n = s.now() // a once campaign activated after its time runs now
			}
			if n.IsZero() {
				return fmt.Errorf("activate %s: the schedule has no run left", id)
			}
			next = &n
		}
	}
	defer s.forgetActive()
	return s.cfg.Store.SetCampaignRun(ctx, id, StatusActive, next, s.now())
}

// channelReady refuses to start what this deployment cannot deliver: a channel (or ad
// platform) that is not configured.
func (s *Service) channelReady(ch Channel) error {
	if ch.Type == ChannelAdAudience {
		if s.cfg.Audiences[ch.Destination] == nil {
			return fmt.Errorf("%w: audience %s", ErrNoChannel, ch.Destination)
		}
		return nil
	}
	key := ch.Type
	if ch.Type == ChannelWebhook && ch.Endpoint != "" {
		key += ":" + ch.Endpoint
	}
	if s.cfg.Channels[key] == nil {
		return fmt.Errorf("%w: %s", ErrNoChannel, key)
	}
	return nil
}

// forgetActive makes the next event reread the active definitions (this process's own
// changes apply at once; other processes' within activeTTL).
func (s *Service) forgetActive() {
	s.mu.Lock()
	s.active = nil
	s.mu.Unlock()
}

// Pause stops scheduling and sending; delivery jobs already queued skip their messages
// until the campaign is active again (they are not lost: they retry).
func (s *Service) Pause(ctx context.Context, id string) error {
	def, err := s.cfg.Store.GetCampaign(ctx, id)
	if err != nil {
		return s.notFound(id, err)
	}
	defer s.forgetActive()
	return s.cfg.Store.SetCampaignRun(ctx, id, StatusPaused, def.NextRunAt, s.now())
}

func (s *Service) notFound(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return err
}

// load returns a stored definition parsed, cached by its update time.
func (s *Service) load(ctx context.Context, id string) (store.CampaignDef, cachedSpec, error) {
	def, err := s.cfg.Store.GetCampaign(ctx, id)
	if err != nil {
		return def, cachedSpec{}, s.notFound(id, err)
	}
	s.mu.Lock()
	cs, ok := s.specs[id]
	s.mu.Unlock()
	if ok && cs.updated.Equal(def.UpdatedAt) {
		return def, cs, nil
	}
	cs = cachedSpec{updated: def.UpdatedAt}
	if def.Kind == store.CampaignKindJourney {
		cs.j, err = ParseJourney(def.Spec)
	} else {
		cs.c, err = ParseCampaign(def.Spec)
	}
	if err != nil {
		return def, cs, fmt.Errorf("load %s: stored definition no longer checks: %w", id, err)
	}
	s.mu.Lock()
	s.specs[id] = cs
	s.mu.Unlock()
	return def, cs, nil
}

func campaignTarget(c *Campaign) *target {
	return &target{campaignID: c.ID, contentID: c.ID, purpose: c.Purpose, channel: c.Channel, sender: c.Sender, locale: c.Locale,
		holdout: c.Holdout, conv: c.Conversion, caps: c.Caps, quiet: c.QuietHours, tmpl: c.tmpl}
}

func journeyTarget(j *Journey, step int) *target {
	return &target{campaignID: j.ID, contentID: j.ContentID(step), purpose: j.Purpose, channel: j.Channel, sender: j.Sender,
		locale: j.Locale, conv: j.Conversion, caps: j.Caps, quiet: j.QuietHours, tmpl: j.Steps[step].tmpl}
}

// Batch is the outcome of one delivery batch.
type Batch struct {
	Delivered int
	Skipped   map[string]int
	Holdout   int
	Deferred  int
	Dead      int
	// Retry is how many messages failed transiently and await a retry.
	Retry int
}

// errRetry makes the job queue retry a batch (with Backoff) that has transient failures.
var errRetry = errors.New("campaign: some messages await a retry")

// deliver runs every send-time check for a batch of people and sends to those who pass.
// It is idempotent: a message already delivered is not sent again, a pending one (from an
// attempt that died) is sent again with the same idempotency key.
func (s *Service) deliver(ctx context.Context, t *target, runID string, subjects []string, attempt, maxAttempts int) (Batch, error) {
	b := Batch{Skipped: map[string]int{}}
	now := s.now()
	decs, err := s.cfg.Eligibility.Check(ctx, subjects, t.query())
	if err != nil {
		return b, fmt.Errorf("deliver %s: eligibility: %w", t.contentID, err)
	}
	if len(decs) != len(subjects) {
		return b, fmt.Errorf("deliver %s: eligibility answered %d of %d", t.contentID, len(decs), len(subjects))
	}
	cp := &capper{s: s, t: t, now: now, elderly: map[string]bool{}, locs: map[string]*time.Location{}}
	cands := make([]store.CampaignMessage, 0, len(subjects))
	verdicts := make(map[string]verdict, len(subjects))
	decOf := make(map[string]*Decision, len(subjects))
	deferred := map[time.Time][]string{}
	for i, sub := range subjects {
		d := &decs[i]
		v := s.check(t, sub, *d, now)
		if v.status == statusDefer {
			deferred[v.resume.UTC()] = append(deferred[v.resume.UTC()], sub)
			b.Deferred++
			continue
		}
		id := MessageID(t.contentID, runID, sub)
		verdicts[id], decOf[id] = v, d
		cp.elderly[sub], cp.locs[sub] = d.Elderly, v.loc
		m := store.CampaignMessage{MessageID: id, CampaignID: t.campaignID, RunID: runID, SubjectID: sub, Channel: t.channel.Type,
			Status: v.status, Reason: v.reason, Variant: v.variant, DecidedAt: now}
		if t.conv != nil && (v.status == store.MessagePending || v.status == store.MessageHoldout) {
			m.ConversionEvent, m.ConversionUntil = t.conv.Event, now.Add(t.conv.Window.D())
		}
		cands = append(cands, m)
	}
	stored, err := s.cfg.Store.ReserveMessages(ctx, cands, cp.since(), cp.decide)
	if err != nil {
		return b, fmt.Errorf("deliver %s: %w", t.contentID, err)
	}
	var send []store.CampaignMessage
	var updates []store.MessageUpdate
	for _, c := range cands {
		m := stored[c.MessageID]
		switch m.Status {
		case store.MessagePending:
			if v := verdicts[c.MessageID]; v.status != store.MessagePending {
				// Reserved by an earlier attempt, refused now: the person withdrew (or
				// objected, …) between scheduling and sending. Not contacted.
				updates = append(updates, store.MessageUpdate{MessageID: m.MessageID, Status: store.MessageSkipped, Reason: v.reason, Attempts: m.Attempts})
				b.Skipped[v.reason]++
				continue
			}
			send = append(send, m)
		case store.MessageSkipped:
			b.Skipped[m.Reason]++
		case store.MessageHoldout:
			b.Holdout++
		}
	}
	if len(send) > 0 {
		if err := s.sendBatch(ctx, t, runID, send, decOf, attempt, maxAttempts, &b, &updates); err != nil {
			return b, err
		}
	}
	if err := s.cfg.Store.UpdateMessages(ctx, updates); err != nil {
		return b, fmt.Errorf("deliver %s: %w", t.contentID, err)
	}
	if len(deferred) > 0 {
		if err := s.enqueueDeferred(ctx, t, runID, deferred); err != nil {
			return b, err
		}
	}
	if b.Retry > 0 {
		return b, errRetry
	}
	return b, nil
}

func (s *Service) sendBatch(ctx context.Context, t *target, runID string, send []store.CampaignMessage, decOf map[string]*Decision,
	attempt, maxAttempts int, b *Batch, updates *[]store.MessageUpdate) error {
	subjects := make([]string, len(send))
	for i, m := range send {
		subjects[i] = m.SubjectID
	}
	// Every send is a processing act: one leaf for the batch, committing to everyone in
	// it, recorded before anything leaves (an unrecorded send never happens).
	ev := audit.Event{Act: audit.ActActivation, Actor: "system", Purpose: t.purpose, LegalBasis: "consent",
		Detail: map[string]string{"campaign": t.campaignID, "content": t.contentID, "run": runID, "channel": t.channel.Type,
			"attempt": strconv.Itoa(attempt), "people": strconv.Itoa(len(send))}}
	if _, err := s.cfg.Recorder.RecordAudience(ctx, ev, subjects); err != nil {
		return fmt.Errorf("deliver %s: record: %w", t.contentID, err)
	}
	key := t.channel.Type
	if t.channel.Type == ChannelWebhook && t.channel.Endpoint != "" {
		key += ":" + t.channel.Endpoint
	}
	sender := s.cfg.Channels[key]
	if sender == nil {
		return fmt.Errorf("deliver %s: %w: %s", t.contentID, ErrNoChannel, key)
	}
	msgs := make([]channel.Message, len(send))
	for i, m := range send {
		msgs[i] = s.render(t, m, decOf[m.MessageID])
	}
	errs := sender.Send(ctx, msgs)
	now := s.now()
	for i, m := range send {
		u := store.MessageUpdate{MessageID: m.MessageID, Attempts: m.Attempts + 1}
		switch err := errs[i]; {
		case err == nil:
			u.Status, u.DeliveredAt = store.MessageDelivered, &now
			b.Delivered++
		case errors.Is(err, channel.ErrPermanent):
			u.Status, u.Reason = store.MessageDead, ReasonRejected
			b.Dead++
		case max(attempt, m.Attempts+1) >= maxAttempts:
			u.Status, u.Reason = store.MessageDead, ReasonRetriesExhausted
			b.Dead++
		default:
			u.Status = store.MessagePending
			b.Retry++
		}
		*updates = append(*updates, u)
	}
	return nil
}

// render builds the message: the variant the checks chose, the ad label (广告 / Ad) where
// the purpose is marketing, the sender, and the "why you got this" link; marketing
// messages also carry a one-click unsubscribe link.
func (s *Service) render(t *target, m store.CampaignMessage, d *Decision) channel.Message {
	locale := d.Locale
	if locale == "" {
		locale = t.locale
	}
	if locale == "" {
		locale = "zh-CN"
	}
	subjT, bodyT, attrs := t.tmpl.subject, t.tmpl.body, map[string]string(nil)
	if m.Variant == VariantPersonalised {
		subjT, bodyT, attrs = t.tmpl.pSubject, t.tmpl.pBody, d.Attributes
	}
	subject, body := execTemplate(subjT, attrs), execTemplate(bodyT, attrs)
	sender := t.sender
	if sender == "" {
		sender = s.cfg.Sender
	}
	msg := channel.Message{ID: m.MessageID, CampaignID: t.campaignID, RecipientID: d.Contact.ID, Email: d.Contact.Email,
		Sender: sender, Personalised: m.Variant == VariantPersonalised, Locale: locale, Ad: t.marketing(),
		WhyURL: withQuery(s.cfg.WhyURL, "m", m.MessageID)}
	if msg.Ad {
		msg.UnsubscribeURL = withQuery(s.cfg.UnsubscribeURL, "t", s.UnsubscribeToken(m.SubjectID, t.campaignID, m.MessageID))
	}
	var foot strings.Builder
	if locale == "en" {
		if msg.Ad {
			msg.Label = "Ad"
			if subject != "" {
				subject = "[Ad] " + subject
			} else {
				body = "[Ad] " + body
			}
			fmt.Fprintf(&foot, "\n\n--\nAd · Sent by %s\nWhy you got this: %s\nUnsubscribe: %s\n", sender, msg.WhyURL, msg.UnsubscribeURL)
		} else {
			fmt.Fprintf(&foot, "\n\n--\nSent by %s\nWhy you got this: %s\n", sender, msg.WhyURL)
		}
	} else {
		if msg.Ad {
			msg.Label = "广告"
			if subject != "" {
				subject = "【广告】" + subject
			} else {
				body = "【广告】" + body
			}
			fmt.Fprintf(&foot, "\n\n--\n广告 · 发送方：%s\n为什么收到这条信息：%s\n退订：%s\n", sender, msg.WhyURL, msg.UnsubscribeURL)
		} else {
			fmt.Fprintf(&foot, "\n\n--\n发送方：%s\n为什么收到这条信息：%s\n", sender, msg.WhyURL)
		}
	}
	msg.Subject, msg.Body = subject, body+foot.String()
	return msg
}

// execTemplate renders a variant; a template that fails (a bad attribute type) renders
// empty rather than half a message.
func execTemplate(t *template.Template, attrs map[string]string) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	if err := t.Execute(&b, attrs); err != nil {
		return ""
	}
	return b.String()
}

func withQuery(base, k, v string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + k + "=" + url.QueryEscape(v)
}

// Unsubscribe tokens are opaque and unforgeable: the person, campaign and message they
// stand for are sealed with AES-256-GCM under a key derived from Config.Secret (which the
// app derives from the keyring), with a random nonce. Nothing in a link says who it is for
// — a forwarded or logged link names nobody — and a token changed in any bit, or made
// without the key, fails to open and does nothing. The sealed text is padded to a multiple
// of tokenPad bytes so that its length does not hint at the length of the ids either.
const (
	tokenPrefix = "v2."
	tokenPad    = 64
	tokenAAD    = "steward unsubscribe token v2"
)

func (s *Service) tokenAEAD() cipher.AEAD {
	block, err := aes.NewCipher(s.tokenKey) // 32 bytes: AES-256
	if err != nil {
		panic(err) // the key is an HMAC-SHA256 output: always 32 bytes
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return g
}

// UnsubscribeToken returns the opaque token of a one-click unsubscribe link.
func (s *Service) UnsubscribeToken(subjectID, campaignID, messageID string) string {
	plain := []byte(subjectID + "\x00" + campaignID + "\x00" + messageID + "\x00")
	if r := len(plain) % tokenPad; r != 0 {
		plain = append(plain, make([]byte, tokenPad-r)...)
	}
	g := s.tokenAEAD()
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, plain, []byte(tokenAAD)))
}

// Unsubscribe is the one-click unsubscribe (RFC 8058): it opens the token and records an
// objection to direct marketing for its person (PT-07), which stops every marketing send
// on every channel from the next check on. It is idempotent. A token that does not open
// (forged, altered, for another deployment) changes nothing. The server mounts it with
// channel.UnsubscribeHandler.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	sub, _, _, err := s.parseToken(token)
	if err != nil {
		return err
	}
	if s.cfg.Objector == nil {
		return errors.New("unsubscribe: no objector configured")
	}
	if err := s.cfg.Objector.ObjectDirectMarketing(ctx, sub, s.now(), "email_one_click"); err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	return nil
}

func (s *Service) parseToken(token string) (subject, campaign, message string, err error) {
	bad := fmt.Errorf("%w: %w", ErrBadToken, channel.ErrRejectedToken)
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > 1024 {
		return "", "", "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	g := s.tokenAEAD()
	if err != nil || len(raw) < g.NonceSize()+g.Overhead() {
		return "", "", "", bad
	}
	plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(tokenAAD))
	if err != nil {
		return "", "", "", bad
	}
	parts := strings.SplitN(string(plain), "\x00", 4)
	if len(parts) != 4 || parts[0] == "" {
		return "", "", "", bad
	}
	return parts[0], parts[1], parts[2], nil
}

// batches splits people into delivery batches, sorted so that a re-planned run yields
// the same batches.
func (s *Service) batches(subjects []string) [][]string {
	sort.Strings(subjects)
	var out [][]string
	for i := 0; i < len(subjects); i += s.cfg.BatchSize {
		out = append(out, subjects[i:min(i+s.cfg.BatchSize, len(subjects))])
	}
	return out
}
