package auth

import (
	"context"
	"errors"
	"fmt"
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
)

// Principal is an authenticated operator with the scopes of the token it presented.
type Principal struct {
	Operator store.Operator
	TokenID  string
	Scopes   []Scope
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

// RevokeToken revokes a token from now on.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	return s.st.RevokeToken(ctx, id, s.now().UTC())
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
	p := Principal{Operator: op, TokenID: t.ID}
	role := Role(op.Role)
	for _, name := range t.Scopes {
		if sc := Scope(name); role.Grants(sc) {
			p.Scopes = append(p.Scopes, sc)
		}
	}
	return p, nil
}

// CreateSource adds an event source and returns its write key (shown once).
func (s *Service) CreateSource(ctx context.Context, name string) (string, store.Source, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", store.Source{}, fmt.Errorf("create source: %w: name must be 1 to 100 characters", ErrInvalid)
	}
	key := newSecret(writeKeyPrefix)
	src := store.Source{ID: NewID("src"), Name: name, KeyHash: Digest(key), CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
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
