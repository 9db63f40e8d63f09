package audit

import (
	"context"
	"fmt"
)

// split returns the largest power of two smaller than n (n > 1).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// path is RFC 6962 §2.1.1 PATH(m, D[n]).
func path(m int, h [][]byte) [][]byte {
	if len(h) <= 1 {
		return nil
	}
	k := split(len(h))
	if m < k {
		return append(path(m, h[:k]), RootOf(h[k:]))
	}
	return append(path(m-k, h[k:]), RootOf(h[:k]))
}

// subproof is RFC 6962 §2.1.2 SUBPROOF(m, D[n], b).
func subproof(m int, h [][]byte, b bool) [][]byte {
	n := len(h)
	if m == n {
		if b {
			return nil
		}
		return [][]byte{RootOf(h)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, h[:k], b), RootOf(h[k:]))
	}
	return append(subproof(m-k, h[k:], false), RootOf(h[:k]))
}

// InclusionPath returns the audit path for leaf index in the tree over hashes (all leaf
// hashes of the tree), for callers that prove many leaves of one tree.
func InclusionPath(hashes [][]byte, index uint64) ([][]byte, error) {
	if index >= uint64(len(hashes)) {
		return nil, fmt.Errorf("inclusion proof: index %d not below size %d", index, len(hashes))
	}
	return path(int(index), hashes), nil
}

// InclusionProof returns the audit path for leaf index in the tree of size.
func InclusionProof(ctx context.Context, st Store, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, fmt.Errorf("inclusion proof: index %d not below size %d", index, size)
	}
	h, err := hashesUpTo(ctx, st, size)
	if err != nil {
		return nil, err
	}
	return path(int(index), h), nil
}

// ConsistencyProof proves the tree of size old is a prefix of size new.
func ConsistencyProof(ctx context.Context, st Store, old, new uint64) ([][]byte, error) {
	if old > new {
		return nil, fmt.Errorf("consistency proof: %d > %d", old, new)
	}
	if old == 0 || old == new {
		return nil, nil
	}
	h, err := hashesUpTo(ctx, st, new)
	if err != nil {
		return nil, err
	}
	return subproof(int(old), h, true), nil
}

func hashesUpTo(ctx context.Context, st Store, size uint64) ([][]byte, error) {
	n, err := st.Size(ctx)
	if err != nil {
		return nil, err
	}
	if size > n {
		return nil, fmt.Errorf("proof: size %d beyond log size %d", size, n)
	}
	_, h, err := st.ReadLeaves(ctx, 0, size)
	return h, err
}
