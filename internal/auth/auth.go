package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"

	"github.com/stewardhq/steward/internal/store"
)

var (
	// ErrUnauthenticated reports a missing, unknown, expired or revoked credential.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrInvalid reports input that breaks a rule (bad name, unknown role).
	ErrInvalid = errors.New("invalid input")
	// ErrScopeNotAllowed reports a token asking for scopes its operator's role lacks.
	ErrScopeNotAllowed = errors.New("scope not allowed for role")
	// ErrBeyondIssuer reports a token asking for more than the token that asks holds
	// (scopes it lacks, a lifetime past its own), or revoking a token stronger than itself.
	ErrBeyondIssuer = errors.New("beyond the calling token")
)

// MaxTokenTTL bounds the lifetime of a token minted through the API, and DefaultTokenTTL
// is the lifetime of one that names none: a leaked token stops working on its own.
const (
	MaxTokenTTL     = 366 * 24 * time.Hour
	DefaultTokenTTL = 90 * 24 * time.Hour
)

// Principal is an authenticated operator with the scopes of the token it presented.
type Principal struct {
	Operator store.Operator
	TokenID  string
	Scopes   []Scope
	// ExpiresAt is when the presented token stops working (nil: never).
	ExpiresAt *time.Time
}

// Has reports whether the principal holds scope s.
func (p Principal) Has(s Scope) bool {
	for _, x := range p.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// Service issues and checks credentials against a store.
type Service struct {
	st  store.Store
	now func() time.Time
	rec Recorder
}

// Recorder records the service's processing acts (sign-ins).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// SetRecorder sets where sign-ins are recorded (nil: nowhere, in tests).
func (s *Service) SetRecorder(r Recorder) { s.rec = r }

// SignedIn records an operator opening the console: an audited sign-in.
func (s *Service) SignedIn(ctx context.Context, operatorID string) error {
	if s.rec == nil {
		return nil
	}
	return s.rec.Record(ctx, audit.Event{Act: audit.ActOperatorSignin, Actor: operatorID})
}

// New returns a Service; now is the clock (time.Now in production, fixed in tests).
func New(st store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, now: now}
}

// CreateOperator adds a staff account.
func (s *Service) CreateOperator(ctx context.Context, name string, role Role) (store.Operator, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return store.Operator{}, fmt.Errorf("create operator: %w: name must be 1 to 100 characters", ErrInvalid)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return store.Operator{}, fmt.Errorf("create operator: %w: %v", ErrInvalid, err)
	}
	op := store.Operator{ID: NewID("op"), Name: name, Role: string(role), CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.st.CreateOperator(ctx, op); err != nil {
		return store.Operator{}, err
	}
	return op, nil
}

// IssueToken creates a token for an operator and returns its secret (shown once) and
// record. nil scopes means every scope of the operator's role; ttl 0 means no expiry.
func (s *Service) IssueToken(ctx context.Context, operatorID, name string, scopes []Scope, ttl time.Duration) (string, store.Token, error) {
	op, err := s.st.GetOperator(ctx, operatorID)
	if err != nil {
		return "", store.Token{}, fmt.Errorf("issue token: %w", err)
	}
	role := Role(op.Role)
	if scopes == nil {
		scopes = role.Scopes()
	}
	for _, sc := range scopes {
		if !role.Grants(sc) {
			return "", store.Token{}, fmt.Errorf("issue token: %w: %s for %s", ErrScopeNotAllowed, sc, role)
		}
	}
	secret := newSecret(tokenPrefix)
	now := s.now().UTC().Truncate(time.Microsecond)
	t := store.Token{ID: NewID("tok"), OperatorID: op.ID, Name: name, Hash: Digest(secret), CreatedAt: now}
	for _, sc := range scopes {
		t.Scopes = append(t.Scopes, string(sc))
	}
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresAt = &exp
	}
	if err := s.st.CreateToken(ctx, t); err != nil {
		return "", store.Token{}, fmt.Errorf("issue token: %w", err)
	}
	return secret, t, nil
}

// IssueTokenAs is IssueToken asked for by an authenticated token (the operator API): the
// new token can never be stronger than the one asking. Its scopes must all be held by by
// (nil scopes means by's scopes that the target operator's role grants, never "all"), its
// lifetime is DefaultTokenTTL when ttl is 0, at most MaxTokenTTL, and it expires no later
// than by's own token.
func (s *Service) IssueTokenAs(ctx context.Context, by Principal, operatorID, name string, scopes []Scope, ttl time.Duration) (string, store.Token, error) {
	if ttl < 0 || ttl > MaxTokenTTL {
		return "", store.Token{}, fmt.Errorf("issue token: %w: ttl must be between 1 s and %d days", ErrInvalid, int(MaxTokenTTL/(24*time.Hour)))
	}
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if by.ExpiresAt != nil {
		left := by.ExpiresAt.Sub(s.now())
		if left <= 0 {
			return "", store.Token{}, ErrUnauthenticated
		}
		ttl = min(ttl, left)
	}
	if scopes == nil {
		op, err := s.st.GetOperator(ctx, operatorID)
		if err != nil {
			return "", store.Token{}, fmt.Errorf("issue token: %w", err)
		}
		scopes = []Scope{}
		for _, sc := range by.Scopes {
			if Role(op.Role).Grants(sc) {
				scopes = append(scopes, sc)
			}
		}
		if len(scopes) == 0 {
			return "", store.Token{}, fmt.Errorf("issue token: %w: the calling token holds no scope this operator's role grants", ErrBeyondIssuer)
		}
	}
	for _, sc := range scopes {
		if !by.Has(sc) {
			return "", store.Token{}, fmt.Errorf("issue token: %w: cannot grant scope %s that the calling token lacks", ErrBeyondIssuer, sc)
		}
	}
	return s.IssueToken(ctx, operatorID, name, scopes, ttl)
}

// RevokeToken revokes a token from now on.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	return s.st.RevokeToken(ctx, id, s.now().UTC())
}

// RevokeTokenAs is RevokeToken asked for by an authenticated token: a token may revoke
// itself, or a token whose every scope it holds too — never a stronger one (a token limited
// to tokens:write cannot lock the administrator out).
func (s *Service) RevokeTokenAs(ctx context.Context, by Principal, id string) error {
	if id != by.TokenID {
		ts, err := s.st.ListTokens(ctx, "")
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		i := slices.IndexFunc(ts, func(t store.Token) bool { return t.ID == id })
		if i < 0 {
			return fmt.Errorf("revoke token: %w", store.ErrNotFound)
		}
		for _, sc := range ts[i].Scopes {
			if !by.Has(Scope(sc)) {
				return fmt.Errorf("revoke token: %w: the token holds %s, which the calling token lacks", ErrBeyondIssuer, sc)
			}
		}
	}
	return s.RevokeToken(ctx, id)
}

// Authenticate resolves a bearer secret to a principal. The scopes are the token's,
// narrowed to what the operator's current role still grants.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Principal{}, ErrUnauthenticated
	}
	t, err := s.st.TokenByHash(ctx, Digest(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	if !t.Usable(s.now()) {
		return Principal{}, ErrUnauthenticated
	}
	op, err := s.st.GetOperator(ctx, t.OperatorID)
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	p := Principal{Operator: op, TokenID: t.ID, ExpiresAt: t.ExpiresAt}
	role := Role(op.Role)
	names := t.Scopes
	if t.ID == bootstrapTokenID && op.ID == bootstrapOperatorID {
		// DIR/admin-token is promised to hold every scope. It was stored with the scopes
		// of the version that first started on the directory, so after an upgrade it would
		// lack every scope added since (reports:read, …) and its owner could not reach the
		// new screens; it carries this version's full list instead.
		names = nil
		for _, sc := range AllScopes {
			names = append(names, string(sc))
		}
	}
	for _, name := range names {
		if sc := Scope(name); role.Grants(sc) {
			p.Scopes = append(p.Scopes, sc)
		}
	}
	return p, nil
}

// CreateSource adds an event source and returns its write key (shown once). A server-side
// source's key must only ever be used by the shop's own servers: its calls may merge two
// identified customers, which a browser key's calls may not (issue 17 item 1).
func (s *Service) CreateSource(ctx context.Context, name string, serverSide bool) (string, store.Source, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", store.Source{}, fmt.Errorf("create source: %w: name must be 1 to 100 characters", ErrInvalid)
	}
	key := newSecret(writeKeyPrefix)
	src := store.Source{ID: NewID("src"), Name: name, KeyHash: Digest(key), CreatedAt: s.now().UTC().Truncate(time.Microsecond), ServerSide: serverSide}
	if err := s.st.CreateSource(ctx, src); err != nil {
		return "", store.Source{}, fmt.Errorf("create source: %w", err)
	}
	return key, src, nil
}

// SourceForKey resolves a write key to its source.
func (s *Service) SourceForKey(ctx context.Context, key string) (store.Source, error) {
	if key == "" {
		return store.Source{}, ErrUnauthenticated
	}
	src, err := s.st.SourceByKeyHash(ctx, Digest(key))
	if errors.Is(err, store.ErrNotFound) {
		return store.Source{}, ErrUnauthenticated
	}
	return src, err
}
