package rights

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/store"
)

// The shop's backend is told of every change of a request (issue 18 item 4): a JSON POST
// to the URL the shop configured, signed like every webhook Steward sends — header
// Steward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)> (the
// campaign channel's Sign and Verify) — with the notice id as Idempotency-Key, retried with
// growing delays until the backend answers 2xx. Notices wait in a durable outbox, their
// payload (which names the customer by the shop's userId) sealed under a key derived from
// the legal-hold key and dropped once delivered.
//
//	{"id": "rn_…", "type": "rights_request.state_changed", "created_at": "…",
//	 "request": {"id": "rr_…", "type": "erasure", "state": "done", "jurisdiction": "EU",
//	             "origin": "session", "received_at": "…", "deadline": "…", "extended": false,
//	             "user_id": "u-123"}}

// Notice kinds.
const (
	NoticeState    = "state_changed"
	NoticeExtended = "deadline_extended"
)

// Webhook is where and how the shop's backend is notified.
type Webhook struct {
	URL    string
	Secret []byte
	Poster Poster
	// MaxAttempts bounds the deliveries of one notice (0: 12, about a day of retries).
	MaxAttempts int
}

// Poster posts one webhook (the server's HTTP client: this package knows no HTTP). It
// returns the response status, or an error when there was none.
type Poster interface {
	Post(ctx context.Context, url string, header map[string]string, body []byte) (int, error)
}

// Webhook headers.
const (
	HeaderSignature      = channel.HeaderSignature
	HeaderIdempotencyKey = channel.HeaderIdempotencyKey
	HeaderEvent          = "Steward-Event"
)

// NoticeBody is the JSON the shop's backend receives.
type NoticeBody struct {
	ID        string        `json:"id"`
	Type      string        `json:"type"`
	CreatedAt time.Time     `json:"created_at"`
	Request   NoticeRequest `json:"request"`
}

// NoticeRequest is the request as a notice describes it.
type NoticeRequest struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	State        string    `json:"state"`
	Jurisdiction string    `json:"jurisdiction"`
	Origin       string    `json:"origin"`
	ReceivedAt   time.Time `json:"received_at"`
	Deadline     time.Time `json:"deadline"`
	Extended     bool      `json:"extended"`
	// UserID is the shop's id of the customer, when the request is about one.
	UserID string `json:"user_id,omitempty"`
}

func (s *Service) webhookOn() bool { return s.cfg.Webhook.URL != "" && s.cfg.Webhook.Poster != nil }

type userIDKey struct{ subject string }

// rememberUserID finds the customer's userId now, for notices sent after an erasure has
// removed the data that names them.
func (s *Service) rememberUserID(ctx context.Context, subjectID string) context.Context {
	if !s.webhookOn() || isVisitor(subjectID) {
		return ctx
	}
	id, err := s.identityOf(ctx, subjectID)
	if err != nil || id.UserID == "" {
		return ctx
	}
	return context.WithValue(ctx, userIDKey{subjectID}, id.UserID)
}

// notify queues a notice of a request's change for the shop's backend.
func (s *Service) notify(ctx context.Context, r store.RightsRequest, kind string) error {
	if !s.webhookOn() {
		return nil
	}
	uid, _ := ctx.Value(userIDKey{r.SubjectID}).(string)
	if uid == "" && !isVisitor(r.SubjectID) {
		id, err := s.identityOf(ctx, r.SubjectID)
		if err != nil {
			return err
		}
		uid = id.UserID
	}
	now := s.cfg.Now().UTC()
	n := store.RightsNotice{ID: newID("rn_"), RequestID: r.ID, Kind: kind, CreatedAt: now, NextAt: now}
	origin := r.Origin
	if origin == "" {
		origin = store.OriginSession
	}
	body, err := json.Marshal(NoticeBody{ID: n.ID, Type: "rights_request." + kind, CreatedAt: now, Request: NoticeRequest{ID: r.ID, Type: r.Type,
		State: r.State, Jurisdiction: r.Jurisdiction, Origin: origin, ReceivedAt: r.ReceivedAt, Deadline: r.DueAt,
		Extended: r.ExtendedAt != nil || kind == NoticeExtended, UserID: uid}})
	if err != nil {
		return err
	}
	if n.Payload, err = s.sealNotice(n.ID, body); err != nil {
		return err
	}
	if err := s.cfg.Store.EnqueueRightsNotice(ctx, n); err != nil {
		return err
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

const noticeVersion byte = 1

func (s *Service) noticeAEAD() (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, s.cfg.HoldKey)
	mac.Write([]byte("steward/rights-notice/seal-key/v1"))
	blk, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func (s *Service) sealNotice(id string, body []byte) ([]byte, error) {
	aead, err := s.noticeAEAD()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(body)+aead.Overhead())
	out[0] = noticeVersion
	rand.Read(out[1:])
	return aead.Seal(out, out[1:1+aead.NonceSize()], body, []byte("steward/rights-notice/v1\x00"+id)), nil
}

// ErrNoticeSeal: a queued notice does not open (altered, or sealed under another keyring).
var ErrNoticeSeal = errors.New("rights: a queued notice does not open")

func (s *Service) openNotice(id string, sealed []byte) ([]byte, error) {
	aead, err := s.noticeAEAD()
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(sealed) < 1+ns+aead.Overhead() || sealed[0] != noticeVersion {
		return nil, ErrNoticeSeal
	}
	pt, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte("steward/rights-notice/v1\x00"+id))
	if err != nil {
		return nil, ErrNoticeSeal
	}
	return pt, nil
}

// noticeLease is how long a claimed notice is left to its claimer before another node may
// try it (a crash mid-delivery delays it by that much, never loses it).
const noticeLease = time.Minute

// retryDelay is the wait before attempt n+1: 5 s doubling, at most 2 h.
func retryDelay(attempts int) time.Duration {
	return channel.Backoff(attempts, 5*time.Second, 2*time.Hour)
}

// DeliverNotices posts the notices that are due and returns how many were delivered.
func (s *Service) DeliverNotices(ctx context.Context) (int, error) {
	if !s.webhookOn() {
		return 0, nil
	}
	max := s.cfg.Webhook.MaxAttempts
	if max <= 0 {
		max = 12
	}
	ns, err := s.cfg.Store.ClaimRightsNotices(ctx, s.cfg.Now().UTC(), noticeLease, 50)
	if err != nil {
		return 0, err
	}
	delivered := 0
	for _, n := range ns {
		err := s.deliver(ctx, n)
		now := s.cfg.Now().UTC()
		n.Attempts++
		switch {
		case err == nil:
			n.DeliveredAt, n.Payload, n.LastError = &now, nil, ""
			delivered++
		case n.Attempts >= max || errors.Is(err, ErrNoticeSeal):
			// Given up: the payload goes (it names the customer); the console shows why.
			n.FailedAt, n.Payload, n.LastError = &now, nil, err.Error()
		default:
			n.NextAt, n.LastError = now.Add(retryDelay(n.Attempts)), err.Error()
		}
		if err := s.cfg.Store.FinishRightsNotice(ctx, n); err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

func (s *Service) deliver(ctx context.Context, n store.RightsNotice) error {
	body, err := s.openNotice(n.ID, n.Payload)
	if err != nil {
		return err
	}
	h := map[string]string{"Content-Type": "application/json", HeaderSignature: channel.Sign(s.cfg.Webhook.Secret, body, s.cfg.Now()),
		HeaderIdempotencyKey: n.ID, HeaderEvent: "rights_request." + n.Kind}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	status, err := s.cfg.Webhook.Poster.Post(pctx, s.cfg.Webhook.URL, h, body)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	if status/100 != 2 {
		return fmt.Errorf("the shop's backend answered HTTP %d", status)
	}
	return nil
}

// RunNotices delivers notices until ctx ends: at once when one is queued, and every tick
// for retries.
func (s *Service) RunNotices(ctx context.Context, tick time.Duration) {
	if !s.webhookOn() {
		return
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := s.DeliverNotices(ctx); err != nil && ctx.Err() == nil && s.cfg.Log != nil {
			// The next tick retries. The error names the operation, never the person.
			s.cfg.Log.Warn("rights: delivering notices to the shop's backend failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}
