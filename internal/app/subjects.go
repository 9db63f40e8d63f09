package app

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// subjects implements server.Subjects.
type subjects struct{ a *App }

// SubjectForUserID finds a subject by the blind index of the shop's userId, following
// merges to the surviving subject.
func (s subjects) SubjectForUserID(ctx context.Context, userID string) (string, error) {
	h, err := s.a.Index.Compute(vault.KindUserID, userID)
	if err != nil {
		return "", store.ErrNotFound
	}
	key := store.IdentityKey{Kind: store.IdentityUserID, Hash: string(h)}
	var id string
	err = s.a.Store.InTx(ctx, func(tx store.Tx) error {
		found, err := tx.LookupIdentities(ctx, []store.IdentityKey{key})
		if err != nil {
			return err
		}
		var ok bool
		if id, ok = found[key]; !ok {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	for i := 0; i < 16; i++ { // merges chain rarely; bound it anyway
		sub, err := s.a.Store.Subject(ctx, id)
		if err != nil {
			return "", fmt.Errorf("subject for user id: %w", err)
		}
		if sub.MergedInto == "" {
			return id, nil
		}
		id = sub.MergedInto
	}
	return id, nil
}

// Me builds the privacy center's document.
func (s subjects) Me(ctx context.Context, subjectID, lang string) (any, error) {
	return s.a.me(ctx, subjectID, lang)
}

// SubjectsAPI returns what backs /api/v1/me and the subject routes.
func (a *App) SubjectsAPI() server.Subjects { return subjects{a} }
