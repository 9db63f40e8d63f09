package audit

import (
	"crypto/sha256"

	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// LeafHash is RFC 6962 §2.1 MTH of one entry: SHA-256(0x00 || leaf), computed by
// transparency-dev/merkle's RFC 6962 hasher.
func LeafHash(leaf []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(leaf) }

// NodeHash is SHA-256(0x01 || left || right).
func NodeHash(l, r []byte) []byte { return rfc6962.DefaultHasher.HashChildren(l, r) }

// RootOf returns the RFC 6962 tree head over leaf hashes (empty tree:
// SHA-256 of the empty string). It folds a compact range left to right.
func RootOf(hashes [][]byte) []byte {
	if len(hashes) == 0 {
		s := sha256.Sum256(nil)
		return s[:]
	}
	var stack [][]byte
	var sizes []uint64
	for _, h := range hashes {
		stack = append(stack, h)
		sizes = append(sizes, 1)
		for len(stack) > 1 && sizes[len(sizes)-1] == sizes[len(sizes)-2] {
			n := len(stack)
			stack = append(stack[:n-2], NodeHash(stack[n-2], stack[n-1]))
			sizes = append(sizes[:n-2], sizes[n-2]*2)
		}
	}
	r := stack[len(stack)-1]
	for i := len(stack) - 2; i >= 0; i-- {
		r = NodeHash(stack[i], r)
	}
	return r
}

// VerifyInclusion checks an RFC 6962 inclusion proof of the entry with leafHash at index in
// a tree of size with root (transparency-dev/merkle's verifier).
func VerifyInclusion(leafHash []byte, index, size uint64, proof [][]byte, root []byte) error {
	return merkleproof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, proof, root)
}
