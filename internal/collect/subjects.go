package collect

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// Identities is what SubjectForUserID reads.
type Identities interface {
	store.Transactor
	Subject(ctx context.Context, id string) (store.Subject, error)
}

// SubjectForUserID finds the subject the shop's userId belongs to through its blind index,
// following merges to the surviving subject (store.ErrNotFound when nobody has it).
func SubjectForUserID(ctx context.Context, st Identities, index Indexer, userID string) (string, error) {
	h, err := index.Index(store.IdentityUserID, userID)
	if err != nil {
		return "", store.ErrNotFound
	}
	key := store.IdentityKey{Kind: store.IdentityUserID, Hash: string(h)}
	var id string
	err = st.InTx(ctx, func(tx store.Tx) error {
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
		sub, err := st.Subject(ctx, id)
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
