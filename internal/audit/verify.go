package audit

import (
	"bytes"
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// LeafError names the first leaf index at which the log is bad.
type LeafError struct {
	Index  uint64
	Reason string
}

func (e *LeafError) Error() string { return fmt.Sprintf("audit: bad leaf %d: %s", e.Index, e.Reason) }

// Report summarises a successful verification.
type Report struct {
	Leaves      uint64
	Checkpoints int
	Root        []byte
}

// Verify rebuilds the tree from stored leaves (recomputing each hash from
// the leaf bytes), checks every stored checkpoint's signature and root, and
// the optional extra checkpoint. A leaf whose Seq disagrees with its position
// (deleted, inserted or reordered) or whose bytes no longer hash to a
// checkpointed root is reported as *LeafError with the first bad index.
func Verify(ctx context.Context, st Store, v note.Verifier, extra []byte) (Report, error) {
	n, err := st.Size(ctx)
	if err != nil {
		return Report{}, err
	}
	leaves, stored, err := st.ReadLeaves(ctx, 0, n)
	if err != nil {
		return Report{}, err
	}
	hashes := make([][]byte, len(leaves))
	for i, lb := range leaves {
		hashes[i] = LeafHash(lb)
		l, err := ParseLeaf(lb)
		if err != nil {
			return Report{}, &LeafError{uint64(i), "unparsable leaf"}
		}
		if l.Seq != uint64(i) {
			return Report{}, &LeafError{uint64(i), fmt.Sprintf("leaf carries sequence %d", l.Seq)}
		}
		if !bytes.Equal(hashes[i], stored[i]) {
			return Report{}, &LeafError{uint64(i), "stored hash does not match leaf bytes"}
		}
		if as, ok := st.(AudienceStore); ok {
			if err := verifyAudience(ctx, as, l); err != nil {
				return Report{}, &LeafError{uint64(i), err.Error()}
			}
		}
	}
	notes, err := st.Checkpoints(ctx)
	if err != nil {
		return Report{}, err
	}
	if extra != nil {
		notes = append(notes, extra)
	}
	good := uint64(0) // size of the largest checkpoint verified so far
	for ci, msg := range notes {
		c, err := Open(msg, v)
		if err != nil {
			return Report{}, fmt.Errorf("checkpoint %d: %w", ci, err)
		}
		if c.Size > uint64(len(hashes)) {
			return Report{}, &LeafError{uint64(len(hashes)), fmt.Sprintf("checkpoint of size %d but log has %d leaves", c.Size, len(hashes))}
		}
		if !bytes.Equal(RootOf(hashes[:c.Size]), c.Root) {
			return Report{}, &LeafError{firstBad(good, c), "root differs from signed checkpoint"}
		}
		good = max(good, c.Size)
	}
	return Report{Leaves: uint64(len(hashes)), Checkpoints: len(notes), Root: RootOf(hashes)}, nil
}

// firstBad bounds the first bad index when leaf and hash were both rewritten
// consistently: everything covered by an earlier verified checkpoint is
// good, so the first leaf after it is the first that can be bad.
func firstBad(good uint64, c Checkpoint) uint64 {
	if good < c.Size {
		return good
	}
	return 0
}
