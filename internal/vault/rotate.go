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
	// Left counts data keys still under an old KEK (a concurrent change moved them);
	// their KEKs are kept and the next rewrap moves them.
	Left int
}

// Rotate makes a new current KEK and re-wraps every data key under it. Data is never
// re-encrypted: only the 60-byte wrappings change.
//
// The caller must make sure no other process wraps data keys meanwhile (steward keys rotate
// holds the store's exclusive keyring lease): old keys are retired once nothing is wrapped
// under them, which is only true while nobody else can wrap under them.
func (v *Vault) Rotate(ctx context.Context, r keyring.Rotator) (RewrapResult, error) {
	id, err := r.Rotate()
	if err != nil {
		return RewrapResult{}, err
	}
	if v.cfg.Checks != nil {
		if err := v.recordCheck(ctx, id); err != nil {
			return RewrapResult{KEK: id}, err
		}
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
	// Retire old KEKs only when no key is left under any of them: a retired key stays
	// until nothing is wrapped under it.
	left, err := v.cfg.Keys.ListSubjectKeys(ctx, cur, "", 1000)
	if err != nil {
		return res, fmt.Errorf("vault: rewrap: %w", err)
	}
	res.Left = len(left)
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
