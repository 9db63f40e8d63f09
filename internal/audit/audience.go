package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Audiences: an act that concerns many people at once (a segment exported to an ad
// platform, a campaign batch sent, a day of profiling for a purpose, a clean-room job) is
// one leaf, not one per person. The leaf commits to an RFC 6962 Merkle tree over the sorted
// pseudonyms of the people included — its root and size in the leaf's detail — and the
// membership is kept beside the log, addressed by that root. A person's transparency report
// finds the audiences holding their pseudonym and proves both steps: the pseudonym is in the
// audience's tree, and the leaf is in the signed log. Verify recomputes every audience's
// root from the stored membership, so a changed, added or removed member shows.

// Detail keys of an audience leaf.
const (
	DetailAudienceRoot = "audience_root"
	DetailAudienceSize = "audience_size"
)

// audienceLabel separates audience trees from the log's own tree: a pseudonym can never be
// mistaken for a leaf of the log, nor the other way round.
const audienceLabel = "steward/audience\x00"

// AudienceStore keeps audience memberships.
type AudienceStore interface {
	// PutAudience stores the sorted pseudonyms of an audience under its root; storing the
	// same root again is a no-op.
	PutAudience(ctx context.Context, root []byte, pseudonyms []string) error
	// Audience returns an audience's pseudonyms in stored order (ErrNoAudience if none).
	Audience(ctx context.Context, root []byte) ([]string, error)
	// AudienceRoots returns the roots of every audience that holds a pseudonym.
	AudienceRoots(ctx context.Context, pseudonym string) ([][]byte, error)
}

// ErrNoAudience means no membership is stored for an audience root.
var ErrNoAudience = errors.New("audit: no audience stored for this root")

// AudienceLeafHash is the hash of one member of an audience tree.
func AudienceLeafHash(pseudonym string) []byte {
	return LeafHash(append([]byte(audienceLabel), pseudonym...))
}

// AudienceRoot returns the root over members, which must be sorted and distinct.
func AudienceRoot(members []string) []byte {
	hs := make([][]byte, len(members))
	for i, m := range members {
		hs[i] = AudienceLeafHash(m)
	}
	return RootOf(hs)
}

// normalise sorts pseudonyms and drops repeats.
func normalise(ps []string) []string {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

// AudienceProof proves that member is in the audience whose sorted members are given.
func AudienceProof(members []string, member string) (index uint64, proof [][]byte, err error) {
	i, ok := slices.BinarySearch(members, member)
	if !ok {
		return 0, nil, fmt.Errorf("audit: %s is not in this audience", member)
	}
	hs := make([][]byte, len(members))
	for k, m := range members {
		hs[k] = AudienceLeafHash(m)
	}
	p, err := InclusionPath(hs, uint64(i))
	return uint64(i), p, err
}

// VerifyAudienceProof checks an audience inclusion proof against a root.
func VerifyAudienceProof(root []byte, size, index uint64, member string, proof [][]byte) error {
	return VerifyInclusion(AudienceLeafHash(member), index, size, proof, root)
}

// RecordAudience appends one act concerning every subject in subjectIDs: a single leaf
// committing to the Merkle root over their pseudonyms, the membership stored beside the log
// first (so a leaf never names an audience that is not there). It returns the leaf index.
func (r *Recorder) RecordAudience(ctx context.Context, e Event, subjectIDs []string) (uint64, error) {
	as, ok := r.app.st.(AudienceStore)
	if !ok {
		return 0, errors.New("audit: this store keeps no audiences")
	}
	ps := make([]string, len(subjectIDs))
	for i, id := range subjectIDs {
		ps[i] = r.pseud.Pseudonym(id)
	}
	ps = normalise(ps)
	root := AudienceRoot(ps)
	if err := as.PutAudience(ctx, root, ps); err != nil {
		return 0, fmt.Errorf("audit: store audience: %w", err)
	}
	l := r.Leaf(e)
	detail := make(map[string]string, len(e.Detail)+2)
	for k, v := range e.Detail {
		detail[k] = v
	}
	detail[DetailAudienceRoot] = hex.EncodeToString(root)
	detail[DetailAudienceSize] = strconv.Itoa(len(ps))
	l.Detail = detail
	idx, err := r.app.AppendAll(ctx, []Leaf{l})
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	return idx[0], nil
}

// audienceOf reads an audience leaf's root and size from its detail; ok is false for a leaf
// that is not an audience.
func audienceOf(l Leaf) (root []byte, size uint64, ok bool, err error) {
	rs, has := l.Detail[DetailAudienceRoot]
	if !has {
		return nil, 0, false, nil
	}
	if root, err = hex.DecodeString(rs); err != nil {
		return nil, 0, true, fmt.Errorf("audience root is not hex")
	}
	if size, err = strconv.ParseUint(l.Detail[DetailAudienceSize], 10, 64); err != nil {
		return nil, 0, true, fmt.Errorf("audience size is not a number")
	}
	return root, size, true, nil
}

// verifyAudience checks that the stored membership of an audience leaf hashes to the root
// the leaf commits to, with the size it states.
func verifyAudience(ctx context.Context, as AudienceStore, l Leaf) error {
	root, size, ok, err := audienceOf(l)
	if !ok {
		return nil
	}
	if err != nil {
		return err
	}
	ms, err := as.Audience(ctx, root)
	if err != nil {
		return fmt.Errorf("audience membership: %w", err)
	}
	if uint64(len(ms)) != size {
		return fmt.Errorf("audience holds %d members, the leaf says %d", len(ms), size)
	}
	if !slices.IsSorted(ms) || len(slices.Compact(slices.Clone(ms))) != len(ms) {
		return fmt.Errorf("audience members are not sorted and distinct")
	}
	if !bytes.Equal(AudienceRoot(ms), root) {
		return fmt.Errorf("audience members do not hash to the root the leaf commits to")
	}
	return nil
}
