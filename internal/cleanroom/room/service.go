package room

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/store"
)

// Call is one call to a partner instance: POST URL+Path with Body. Key is the partner's
// pinned key: the transport signs the call for it (partner.Signer). A nil Key sends the
// call unsigned (only the pairing acceptance, which authenticates itself).
type Call struct {
	URL         string
	Key         ed25519.PublicKey
	Path        string
	ContentType string
	Body        []byte
}

// Transport carries calls to partners (the server's signed HTTP client). An error means
// the partner did not take the call (unreachable, or answered other than 2xx).
type Transport interface {
	Call(ctx context.Context, c Call) error
}

// Recorder records the service's processing acts (*audit.Recorder).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

var _ Recorder = (*audit.Recorder)(nil)

// Enqueuer is the durable job queue (*jobs.Queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, args jobs.Args, opts *jobs.Opts) (jobs.Enqueued, error)
}

var _ Enqueuer = (*jobs.Queue)(nil)

// Config is what the service is built from. Store, Identity, URL, Transport, Queue,
// Inputs, Recorder and Purpose are required.
type Config struct {
	Store store.CleanRoom
	// Identity is this instance's long-term key (its seed derived from the keyring).
	Identity *partner.Identity
	// URL is where partners reach this instance (the public URL).
	URL       string
	Transport Transport
	Queue     Enqueuer
	Inputs    Inputs
	Recorder  Recorder
	// Purpose checks that a job's purpose is in the manifest in force and rests on
	// consent (only people who gave it enter).
	Purpose func(purpose string) error
	// Region is the default region of phone numbers written without a country code (the
	// manifest's home); nil means CN.
	Region func() string
	// MinIntersection withholds results below it; 0 means cleanroom.DefaultMinIntersection.
	MinIntersection int
	// InviteTTL is how long an invite may be accepted (0: 24 hours).
	InviteTTL time.Duration
	// Timeout bounds a running job (0: 30 minutes); past it the job fails and every secret
	// of it is wiped.
	Timeout time.Duration
	Now     func() time.Time
	Log     *slog.Logger
}

// Service is the clean room in the product: pairing with partners, verifying their calls,
// proposing, approving and running jobs.
type Service struct {
	cfg      Config
	verifier *partner.Verifier

	mu       sync.Mutex
	sessions map[string]*session
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Identity == nil || cfg.Transport == nil || cfg.Queue == nil || cfg.Inputs == nil ||
		cfg.Recorder == nil || cfg.Purpose == nil {
		return nil, errors.New("new clean room: Store, Identity, Transport, Queue, Inputs, Recorder and Purpose are required")
	}
	u, err := partner.CheckURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("new clean room: this instance's url: %w", err)
	}
	cfg.URL = u
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Region == nil {
		cfg.Region = func() string { return "CN" }
	}
	if cfg.MinIntersection <= 0 {
		cfg.MinIntersection = cleanroom.DefaultMinIntersection
	}
	if cfg.InviteTTL <= 0 {
		cfg.InviteTTL = 24 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, sessions: map[string]*session{}}
	s.verifier, err = partner.NewVerifier(partner.VerifierConfig{Self: cfg.Identity.PublicKey(), Peers: peers{cfg.Store},
		Nonces: nonces{cfg.Store, cfg.Now}, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Self is this instance as partners see it.
type Self struct {
	URL string `json:"url"`
	Key string `json:"key"`
}

// Self returns this instance's URL and key id.
func (s *Service) Self() Self { return Self{URL: s.cfg.URL, Key: s.cfg.Identity.KeyID()} }

// peers finds partners by key for the verifier.
type peers struct{ st store.CleanRoom }

func (p peers) PeerByKey(ctx context.Context, keyID string) (partner.Peer, error) {
	pt, err := p.st.PartnerByKey(ctx, keyID)
	if errors.Is(err, store.ErrNotFound) {
		return partner.Peer{}, partner.ErrUnknownPeer
	}
	if err != nil {
		return partner.Peer{}, err
	}
	key, err := partner.ParseKeyID(pt.KeyID)
	if err != nil {
		return partner.Peer{}, err
	}
	return partner.Peer{ID: pt.ID, Key: key, Status: partner.Status(pt.Status)}, nil
}

// nonces is the verifier's nonce store: rows in the store, so replays stay refused after a
// restart and across nodes.
type nonces struct {
	st  store.CleanRoom
	now func() time.Time
}

func (n nonces) Remember(ctx context.Context, keyID, nonce string, until time.Time) (bool, error) {
	return n.st.RememberNonce(ctx, keyID, nonce, until, n.now())
}

// Verify checks a partner call's Steward-Signature header and returns the calling partner.
func (s *Service) Verify(ctx context.Context, header string, r partner.Request) (partner.Peer, error) {
	p, err := s.verifier.Verify(ctx, header, r)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, partner.ErrSuspended), errors.Is(err, partner.ErrRevoked):
		return partner.Peer{}, fmt.Errorf("%w: %w", ErrForbidden, err)
	case errors.Is(err, partner.ErrMalformed), errors.Is(err, partner.ErrUnknownPeer), errors.Is(err, partner.ErrStale),
		errors.Is(err, partner.ErrTamperedBody), errors.Is(err, partner.ErrBadSignature), errors.Is(err, partner.ErrReplay),
		errors.Is(err, partner.ErrRequest):
		return partner.Peer{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	return partner.Peer{}, err
}

func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// PartnerView is a partner as operators see it.
type PartnerView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Key       string    `json:"key"`
	Status    string    `json:"status"`
	Invited   bool      `json:"invited"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewPartner(p store.Partner) PartnerView {
	return PartnerView{ID: p.ID, Name: p.Name, URL: p.URL, Key: p.KeyID, Status: p.Status, Invited: p.Invited, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// Invite is a new invite: its token, to hand to the partner's privacy officer out of band.
type Invite struct {
	Invite    string    `json:"invite"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateInvite makes an invite to pair with this instance.
func (s *Service) CreateInvite(ctx context.Context, actor string) (Invite, error) {
	now := s.cfg.Now()
	inv, err := partner.NewInvite(s.cfg.Identity, s.cfg.URL, now.Add(s.cfg.InviteTTL), nil)
	if err != nil {
		return Invite{}, err
	}
	if err := s.cfg.Store.CreatePartnerInvite(ctx, store.PartnerInvite{ID: inv.ID(), Secret: inv.Secret[:], URL: inv.URL, Expires: inv.Expires,
		CreatedAt: now.UTC(), CreatedBy: actor}); err != nil {
		return Invite{}, err
	}
	return Invite{Invite: inv.String(), ExpiresAt: inv.Expires}, nil
}

// PairPath is where an invitee sends its acceptance (unsigned: the acceptance carries its
// own MAC and signature).
const PairPath = "/api/v1/partner/pair"

// Accept pairs with the inviter of token: it answers the inviter with this instance's URL
// and key, and pins the inviter's key once the inviter took the answer. It returns the
// partner's id here.
func (s *Service) Accept(ctx context.Context, token string) (PartnerView, error) {
	inv, err := partner.ParseInvite(token)
	if err != nil {
		return PartnerView{}, err
	}
	now := s.cfg.Now()
	acc, err := partner.Accept(inv, s.cfg.Identity, s.cfg.URL, now)
	if err != nil {
		return PartnerView{}, err
	}
	keyID := partner.KeyID(inv.Key)
	if _, err := s.cfg.Store.PartnerByKey(ctx, keyID); err == nil {
		return PartnerView{}, fmt.Errorf("accept invite: %w: this partner is paired already", store.ErrConflict)
	}
	body := []byte(`{"acceptance":"` + acc.String() + `"}`)
	if err := s.cfg.Transport.Call(ctx, Call{URL: inv.URL, Path: PairPath, ContentType: "application/json", Body: body}); err != nil {
		return PartnerView{}, fmt.Errorf("accept invite: %w: %w", ErrUnreachable, err)
	}
	p := store.Partner{ID: newID("pt_"), KeyID: keyID, URL: inv.URL, Name: hostOf(inv.URL), Status: string(partner.StatusActive),
		Pairing: partner.PairingID(s.cfg.Identity.PublicKey(), inv.Key), CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if err := s.cfg.Store.CreatePartner(ctx, p); err != nil {
		return PartnerView{}, err
	}
	s.cfg.Log.Info("clean room: paired with a partner (accepted its invite)", "partner", p.ID, "url", p.URL)
	return viewPartner(p), nil
}

// Paired handles an acceptance sent to this instance (the inviter): it checks it against
// the invite it names and pins the invitee's key, using the invite up.
func (s *Service) Paired(ctx context.Context, token string) (PartnerView, error) {
	acc, err := partner.ParseAcceptance(token)
	if err != nil {
		return PartnerView{}, err
	}
	stored, err := s.cfg.Store.PartnerInvite(ctx, acc.InviteID)
	if errors.Is(err, store.ErrNotFound) {
		return PartnerView{}, fmt.Errorf("pair: %w: no such invite", partner.ErrBadAcceptance)
	}
	if err != nil {
		return PartnerView{}, err
	}
	inv := partner.Invite{URL: stored.URL, Key: s.cfg.Identity.PublicKey(), Expires: stored.Expires}
	copy(inv.Secret[:], stored.Secret)
	now := s.cfg.Now()
	if err := inv.Verify(acc, now, 0); err != nil {
		return PartnerView{}, err
	}
	p := store.Partner{ID: newID("pt_"), KeyID: partner.KeyID(acc.Key), URL: acc.URL, Name: hostOf(acc.URL), Status: string(partner.StatusActive),
		Pairing: partner.PairingID(s.cfg.Identity.PublicKey(), acc.Key), Invited: true, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if err := s.cfg.Store.UsePartnerInvite(ctx, stored.ID, now.UTC(), p); err != nil {
		return PartnerView{}, err
	}
	s.cfg.Log.Info("clean room: paired with a partner (it accepted our invite)", "partner", p.ID, "url", p.URL)
	return viewPartner(p), nil
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}

// Partners lists the partners.
func (s *Service) Partners(ctx context.Context) ([]PartnerView, error) {
	ps, err := s.cfg.Store.Partners(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PartnerView, 0, len(ps))
	for _, p := range ps {
		out = append(out, viewPartner(p))
	}
	return out, nil
}

func (s *Service) partner(ctx context.Context, id string) (store.Partner, error) {
	p, err := s.cfg.Store.Partner(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Partner{}, fmt.Errorf("%w: %q", ErrUnknownPartner, id)
	}
	return p, err
}

// SetStatus suspends, resumes or revokes a partner. Suspending (or revoking) stops its
// jobs that have not finished: they end suspended and their secrets are wiped; its calls
// are refused from now on.
func (s *Service) SetStatus(ctx context.Context, id string, ev partner.StatusEvent, actor string) (PartnerView, error) {
	p, err := s.partner(ctx, id)
	if err != nil {
		return PartnerView{}, err
	}
	next, err := partner.Status(p.Status).Next(ev)
	if err != nil {
		return PartnerView{}, err
	}
	now := s.cfg.Now().UTC()
	if err := s.cfg.Store.SetPartnerStatus(ctx, id, string(next), now); err != nil {
		return PartnerView{}, err
	}
	p.Status, p.UpdatedAt = string(next), now
	if next != partner.StatusActive {
		if err := s.suspendJobs(ctx, id); err != nil {
			return PartnerView{}, err
		}
	}
	s.cfg.Log.Info("clean room: partner status changed", "partner", id, "status", next, "by", actor)
	return viewPartner(p), nil
}
