package signin

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
)

// ErrUnknownOperator: the identity is not any operator's recorded login.
var ErrUnknownOperator = errors.New("signin: this identity is not an operator of this Steward")

// ErrInvalid: a login to record breaks a rule (no issuer and subject, nor email).
var ErrInvalid = errors.New("signin: invalid login")

// DefaultSessionTTL is how long a console session from the identity provider lasts: a
// working day, after which the operator signs in again (and the provider decides again).
const DefaultSessionTTL = 12 * time.Hour

// Identity is what the identity provider vouched for in a verified ID token.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
}

// Logins finds and records operators' logins (the store).
type Logins interface {
	OperatorByLogin(ctx context.Context, issuer, subject, email string) (store.Operator, error)
	SetOperatorLogin(ctx context.Context, l store.OperatorLogin) error
	OperatorLogins(ctx context.Context) ([]store.OperatorLogin, error)
}

// Tokens issues operator tokens (auth.Service).
type Tokens interface {
	IssueToken(ctx context.Context, operatorID, name string, scopes []auth.Scope, ttl time.Duration) (string, store.Token, error)
}

// Recorder records sign-ins in the audit log.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config is what a Service needs. Logins and Tokens are required.
type Config struct {
	Logins     Logins
	Tokens     Tokens
	Recorder   Recorder      // nil: sign-ins are not recorded (tests)
	SessionTTL time.Duration // 0: DefaultSessionTTL
}

// Service signs operators in.
type Service struct{ cfg Config }

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	return &Service{cfg: cfg}
}

// SignIn mints a console session for the operator the identity is: the secret (shown once),
// the operator and when the session ends.
func (s *Service) SignIn(ctx context.Context, id Identity) (string, store.Operator, time.Time, error) {
	if id.Issuer == "" || id.Subject == "" {
		return "", store.Operator{}, time.Time{}, fmt.Errorf("%w: the identity names no issuer or subject", ErrUnknownOperator)
	}
	email := ""
	if id.EmailVerified {
		email = strings.ToLower(strings.TrimSpace(id.Email))
	}
	op, err := s.cfg.Logins.OperatorByLogin(ctx, id.Issuer, id.Subject, email)
	if errors.Is(err, store.ErrNotFound) {
		return "", store.Operator{}, time.Time{}, ErrUnknownOperator
	}
	if err != nil {
		return "", store.Operator{}, time.Time{}, fmt.Errorf("signin: %w", err)
	}
	secret, tok, err := s.cfg.Tokens.IssueToken(ctx, op.ID, "console sign-in (OpenID Connect)", nil, s.cfg.SessionTTL)
	if err != nil {
		return "", store.Operator{}, time.Time{}, fmt.Errorf("signin: %w", err)
	}
	if s.cfg.Recorder != nil {
		if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActOperatorSignin, Actor: op.ID,
			Detail: map[string]string{"method": "oidc", "token": tok.ID}}); err != nil {
			return "", store.Operator{}, time.Time{}, fmt.Errorf("signin: recording it failed: %w", err)
		}
	}
	return secret, op, *tok.ExpiresAt, nil
}

// Login is how one operator signs in through the provider.
type Login struct {
	OperatorID string `json:"operator_id"`
	Issuer     string `json:"issuer,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Email      string `json:"email,omitempty"`
}

// SetLogin records how an operator signs in: the provider's subject (with its issuer), or
// an email address the provider verifies, or both.
func (s *Service) SetLogin(ctx context.Context, l Login) error {
	l.Issuer, l.Subject = strings.TrimSpace(l.Issuer), strings.TrimSpace(l.Subject)
	l.Email = strings.ToLower(strings.TrimSpace(l.Email))
	switch {
	case l.OperatorID == "":
		return fmt.Errorf("%w: no operator", ErrInvalid)
	case l.Subject == "" && l.Email == "":
		return fmt.Errorf("%w: give the provider's subject or an email address", ErrInvalid)
	case l.Subject != "" && l.Issuer == "":
		return fmt.Errorf("%w: a subject needs its issuer", ErrInvalid)
	case len(l.Issuer) > 500 || len(l.Subject) > 255 || len(l.Email) > 254:
		return fmt.Errorf("%w: issuer, subject or email too long", ErrInvalid)
	}
	if l.Email != "" {
		if a, err := mail.ParseAddress(l.Email); err != nil || a.Address != l.Email {
			return fmt.Errorf("%w: %q is not an email address", ErrInvalid, l.Email)
		}
	}
	return s.cfg.Logins.SetOperatorLogin(ctx, store.OperatorLogin{OperatorID: l.OperatorID, Issuer: l.Issuer, Subject: l.Subject, Email: l.Email})
}

// Logins lists every operator's login.
func (s *Service) Logins(ctx context.Context) ([]Login, error) {
	ls, err := s.cfg.Logins.OperatorLogins(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Login, 0, len(ls))
	for _, l := range ls {
		out = append(out, Login{OperatorID: l.OperatorID, Issuer: l.Issuer, Subject: l.Subject, Email: l.Email})
	}
	return out, nil
}
