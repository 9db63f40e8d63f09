package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// DefaultSessionTTL is how long a privacy-center session lasts: long enough to review and
// change choices, short enough that a forgotten tab does not stay signed in.
const DefaultSessionTTL = 30 * time.Minute

// SubjectPrincipal is a subject signed in to the privacy center.
type SubjectPrincipal struct {
	SubjectID string
	SessionID string
}

// MintSession creates a privacy-center session for a subject; the secret is returned once.
func (s *Service) MintSession(ctx context.Context, subjectID string, ttl time.Duration) (string, store.Session, error) {
	if subjectID == "" {
		return "", store.Session{}, fmt.Errorf("mint session: %w: no subject", ErrInvalid)
	}
	if ttl <= 0 || ttl > 24*time.Hour {
		ttl = DefaultSessionTTL
	}
	secret := newSecret(sessionPrefix)
	now := s.now().UTC().Truncate(time.Microsecond)
	ss := store.Session{ID: NewID("ses"), Digest: Digest(secret), SubjectID: subjectID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.st.CreateSession(ctx, ss); err != nil {
		return "", store.Session{}, fmt.Errorf("mint session: %w", err)
	}
	return secret, ss, nil
}

// AuthenticateSubject resolves a session secret to its subject.
func (s *Service) AuthenticateSubject(ctx context.Context, secret string) (SubjectPrincipal, error) {
	if !strings.HasPrefix(secret, sessionPrefix) {
		return SubjectPrincipal{}, ErrUnauthenticated
	}
	ss, err := s.st.SessionByDigest(ctx, Digest(secret))
	if errors.Is(err, store.ErrNotFound) {
		return SubjectPrincipal{}, ErrUnauthenticated
	}
	if err != nil {
		return SubjectPrincipal{}, fmt.Errorf("authenticate session: %w", err)
	}
	if !ss.Usable(s.now()) {
		return SubjectPrincipal{}, ErrUnauthenticated
	}
	return SubjectPrincipal{SubjectID: ss.SubjectID, SessionID: ss.ID}, nil
}

// RevokeSessions signs a subject out everywhere.
func (s *Service) RevokeSessions(ctx context.Context, subjectID string) error {
	return s.st.RevokeSessions(ctx, subjectID, s.now().UTC())
}
