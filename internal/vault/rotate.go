package vault

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/vault/keyring"
)

// RewrapResult reports a rewrap pass.
type RewrapResult struct {
	KEK       string   // the current KEK every data key is now wrapped by
	Rewrapped int      // keys moved to it in this pass
	Retired   []string // old KEKs deleted because nothing used them any more
}

// Rotate makes a new current KEK and re-wraps every data key under it. Data is never
// re-encrypted: only the 60-byte wrappings change.
func (v *Vault) Rotate(ctx context.Context, r keyring.Rotator) (RewrapResult, error) {
	if _, err := r.Rotate(); err != nil {
		return RewrapResult{}, err
	}
	return v.Rewrap(ctx, r)
}

// Rewrap moves every data key not yet under the current KEK onto it, in pages ordered by
// subject id. It is resumable: after an interruption, running it again finishes the job
// (steward keys rotate does so before making yet another key). Each key is replaced only
// if still wrapped as read, so a concurrent erasure is never undone.
func (v *Vault) Rewrap(ctx context.Context, r keyring.Rotator) (RewrapResult, error) {
	cur, kek := r.Current()
	res := RewrapResult{KEK: cur}
	after := ""
	for {
		page, err := v.cfg.Keys.ListSubjectKeys(ctx, cur, after, 500)
		if err != nil {
			return res, fmt.Errorf("vault: rewrap: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, sk := range page {
			old, err := r.KEK(sk.KEKID)
			if err != nil {
				return res, fmt.Errorf("vault: rewrap: %w", err)
			}
			dek, err := unwrapKey(old, sk.KEKID, sk.SubjectID, sk.Wrapped)
			if err != nil {
				return res, err
			}
			from := sk.KEKID
			sk.KEKID = cur
			if sk.Wrapped, err = wrap(kek, cur, sk.SubjectID, dek); err != nil {
				return res, err
			}
			ok, err := v.cfg.Keys.RewrapSubjectKey(ctx, sk, from)
			if err != nil {
				return res, fmt.Errorf("vault: rewrap: %w", err)
			}
			if ok {
				res.Rewrapped++
			}
		}
		after = page[len(page)-1].SubjectID
	}
	// Retire old KEKs only when no key is left under any of them.
	left, err := v.cfg.Keys.ListSubjectKeys(ctx, cur, "", 1)
	if err != nil {
		return res, fmt.Errorf("vault: rewrap: %w", err)
	}
	if len(left) == 0 {
		if f, ok := r.(*keyring.File); ok {
			for _, id := range f.IDs() {
				if id != cur {
					if err := r.Retire(id); err != nil {
						return res, err
					}
					res.Retired = append(res.Retired, id)
				}
			}
		}
	}
	return res, nil
}
