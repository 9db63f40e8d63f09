package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Sealer seals bytes under a subject's data key (the vault).
type Sealer interface {
	Seal(ctx context.Context, keys store.KeyAccess, subjectID string, b vault.Binding, plaintext []byte) ([]byte, error)
}

// ErrNoExtracts: the reader was built without a Sealer.
var ErrNoExtracts = errors.New("access: this reader seals no extracts")

// extractBinding binds an extract to its purpose: one made for a purpose does not open for
// another.
func extractBinding(purpose string) vault.Binding {
	return vault.Binding{Table: "extracts", Field: purpose}
}

// existingKeys reads data keys but never creates one: an extract belongs to someone whose
// data was just read, and a subject without a key was erased meanwhile.
type existingKeys struct{ store.KeyAccess }

func (existingKeys) PutSubjectKey(context.Context, store.SubjectKey) error { return vault.ErrShredded }

// SealExtract seals what a caller derived from reading req.SubjectID's events for
// req.Purpose — a compact extract kept between reads, such as the DP report cache
// (internal/dp/stored) — under the subject's own data key and bound to the purpose. Kept
// sealed, it is no plaintext held beyond the read that uses it, and the person's erasure
// (crypto-shredding) makes it unreadable like everything else sealed for them. It never
// creates a key: for a subject erased meanwhile the answer is vault.ErrShredded.
func (r *Reader) SealExtract(ctx context.Context, req Request, extract []byte) ([]byte, error) {
	if r.cfg.Sealer == nil || r.cfg.Keys == nil {
		return nil, ErrNoExtracts
	}
	if req.Purpose == "" {
		return nil, fmt.Errorf("%w: an extract names its purpose", ErrDenied)
	}
	return r.cfg.Sealer.Seal(ctx, existingKeys{r.cfg.Keys}, req.SubjectID, extractBinding(req.Purpose), extract)
}

// OpenExtract opens an extract SealExtract sealed for the same subject and purpose, for
// the purpose's read. The extract says what the purpose could read when it was made: its
// keeper must bring it up to date with the person's events and consent before each use
// (store.Changes tells it whose). A shredded key reads as nothing (nil, nil).
func (r *Reader) OpenExtract(ctx context.Context, req Request, sealed []byte) ([]byte, error) {
	if req.Purpose == "" {
		return nil, fmt.Errorf("%w: an extract names its purpose", ErrDenied)
	}
	pt, err := r.cfg.Opener.Open(ctx, req.SubjectID, extractBinding(req.Purpose), sealed)
	if errors.Is(err, vault.ErrShredded) {
		return nil, nil
	}
	return pt, err
}
