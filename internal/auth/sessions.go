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

// MintSessionAs is MintSession asked for by an operator: an audited act naming the
// operator, its role and the reason, so the person's own report shows who opened their
// data and why. A privacy officer (who opens sessions to help a person, not because the
// person signed in to the shop) must give a reason.
func (s *Service) MintSessionAs(ctx context.Context, by Principal, subjectID string, ttl time.Duration, reason string) (string, store.Session, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 200 {
		return "", store.Session{}, fmt.Errorf("mint session: %w: the reason is at most 200 characters", ErrInvalid)
	}
	if reason == "" && Role(by.Operator.Role) == RolePrivacyOfficer {
		return "", store.Session{}, fmt.Errorf("mint session: %w: a privacy officer opening a person's privacy center must give a reason", ErrInvalid)
	}
	if reason == "" {
		reason = "the shop signed the person in"
	}
	secret, ss, err := s.MintSession(ctx, subjectID, ttl)
	if err != nil {
		return "", store.Session{}, err
	}
	if s.rec != nil {
		if err := s.rec.Record(ctx, audit.Event{Act: audit.ActSessionMinted, SubjectID: subjectID, Actor: by.Operator.ID,
			Detail: map[string]string{"reason": reason, "role": by.Operator.Role, "session": ss.ID}}); err != nil {
			// The session exists but its opening is not on record: revoke it rather than
			// hand out an unaudited way into the person's data.
			s.st.RevokeSessions(ctx, subjectID, s.now().UTC())
			return "", store.Session{}, fmt.Errorf("mint session: recording it failed: %w", err)
		}
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
