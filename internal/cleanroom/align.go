package cleanroom

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/cloudflare/circl/group"
)

// Alignment (issue 23): the variant of psi_cardinality that vertical federated learning
// needs. Both sides end with the members of the intersection among their own records, in
// one common order, and nothing about the other side's non-members:
//
//	guest (secret a, keys x_i in its own order)      host (secret b, keys y_j)
//	X = {a·H(x_i)} in the guest's order   ── X ──►
//	                                      ◄── Z, Y ──  Z_i = K(b·X_i) in X's order,
//	                                                   Y = shuffle{b·H(y_j)}
//	W_k = K(a·Y_k); i matches k when Z_i = W_k
//	common order: matches sorted by Z_i   ── order ─►  the shuffled positions k, in that order
//	                                                   (unshuffled to its own j)
//
// The common order is the order of the doubly-blinded keys: pseudorandom, and neither
// side's own order. Leakage, against an honest-but-curious peer (DDH in ristretto255, H
// a random oracle): the host sees |X| and the a-blinded points, which it cannot test an
// identifier against; then which of its own records are members (the purpose of the
// protocol) and their common order. The guest sees |Y|, its own members, and b-blinded
// points of the host's non-members that it cannot test. Unlike psi_cardinality, the
// guest does not shuffle X and the host learns membership: alignment reveals the
// intersection to both, by design, and only the intersection.

// AlignReply is the host's answer: Z (the guest's points blinded again, as comparison
// keys, in the guest's order) and Y (the host's own points, blinded once, shuffled).
type AlignReply struct {
	Z []byte `json:"z"` // n × 32
	Y []byte `json:"y"` // m × 32
}

// AlignGuest is the guest's side of an alignment.
type AlignGuest struct {
	d    Domain
	on   MatchOn
	keys []string
	s    group.Scalar
}

// AlignHost is the host's side of an alignment.
type AlignHost struct {
	d    Domain
	on   MatchOn
	keys []string
	s    group.Scalar
	perm []int32 // shuffled position k holds own key perm[k]
}

func alignKeys(d Domain, keys []string) error {
	if !d.valid() {
		return fmt.Errorf("align: %w: no domain", ErrConfig)
	}
	if len(keys) == 0 || len(keys) > MaxSetSize {
		return fmt.Errorf("align: %w: 1 to %d keys", ErrConfig, MaxSetSize)
	}
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		if k == "" {
			return fmt.Errorf("align: %w: empty key", ErrInvalidKey)
		}
		if _, dup := seen[k]; dup {
			return fmt.Errorf("align: %w: a key appears twice", ErrDuplicate)
		}
		seen[k] = struct{}{}
	}
	return nil
}

// NewAlignGuest starts the guest's side over its normalised keys; r is the randomness
// (nil: crypto/rand).
func NewAlignGuest(d Domain, on MatchOn, keys []string, r io.Reader) (*AlignGuest, error) {
	if err := alignKeys(d, keys); err != nil {
		return nil, err
	}
	s, err := newScalar(randReader(r))
	if err != nil {
		return nil, err
	}
	return &AlignGuest{d: d, on: on, keys: keys, s: s}, nil
}

// Blinded returns X: a·H(x_i) for every own key, in the guest's order.
func (g *AlignGuest) Blinded() []byte {
	pts := make([]Point, len(g.keys))
	hashBlind(g.d, g.on, g.keys, g.s, pts, 0)
	out := make([]byte, 0, len(pts)*PointSize)
	for _, p := range pts {
		out = append(out, p[:]...)
	}
	return out
}

// NewAlignHost starts the host's side over its normalised keys.
func NewAlignHost(d Domain, on MatchOn, keys []string, r io.Reader) (*AlignHost, error) {
	if err := alignKeys(d, keys); err != nil {
		return nil, err
	}
	rr := randReader(r)
	s, err := newScalar(rr)
	if err != nil {
		return nil, err
	}
	sh, err := newShuffler(rr)
	if err != nil {
		return nil, err
	}
	return &AlignHost{d: d, on: on, keys: keys, s: s, perm: permutation(sh, len(keys))}, nil
}

func points(b []byte, what string) ([]Point, error) {
	if len(b)%PointSize != 0 || len(b) == 0 || len(b)/PointSize > MaxSetSize {
		return nil, fmt.Errorf("align: %w: %s is not 1 to %d points", ErrMalformed, what, MaxSetSize)
	}
	out := make([]Point, len(b)/PointSize)
	for i := range out {
		copy(out[i][:], b[i*PointSize:])
	}
	return out, nil
}

// Reply answers the guest's X with Z and Y.
func (h *AlignHost) Reply(blinded []byte) (AlignReply, error) {
	x, err := points(blinded, "X")
	if err != nil {
		return AlignReply{}, err
	}
	z := make([]Point, len(x))
	if err := reblindKeys(x, h.s, z, 0); err != nil {
		return AlignReply{}, fmt.Errorf("align: %w", err)
	}
	own := make([]Point, len(h.keys))
	hashBlind(h.d, h.on, h.keys, h.s, own, 0)
	rep := AlignReply{Z: make([]byte, 0, len(z)*PointSize), Y: make([]byte, 0, len(own)*PointSize)}
	for _, p := range z {
		rep.Z = append(rep.Z, p[:]...)
	}
	for _, j := range h.perm {
		rep.Y = append(rep.Y, own[j][:]...)
	}
	return rep, nil
}

// Match finds the intersection: the guest's own members (indexes into its keys) in the
// common order, and the order message for the host (shuffled positions of Y, same order).
func (g *AlignGuest) Match(rep AlignReply) (own []int, order []uint32, err error) {
	z, err := points(rep.Z, "Z")
	if err != nil {
		return nil, nil, err
	}
	if len(z) != len(g.keys) {
		return nil, nil, fmt.Errorf("align: %w: Z has %d keys for %d points", ErrInconsistent, len(z), len(g.keys))
	}
	y, err := points(rep.Y, "Y")
	if err != nil {
		return nil, nil, err
	}
	w := make([]Point, len(y))
	if err := reblindKeys(y, g.s, w, 0); err != nil {
		return nil, nil, fmt.Errorf("align: %w", err)
	}
	at := make(map[Point]int, len(w))
	for k, p := range w {
		if _, dup := at[p]; dup {
			return nil, nil, fmt.Errorf("align: %w: Y repeats an element", ErrDuplicate)
		}
		at[p] = k
	}
	type pair struct {
		key  Point
		i, k int
	}
	var m []pair
	seenZ := make(map[Point]struct{}, len(z))
	for i, p := range z {
		if _, dup := seenZ[p]; dup {
			return nil, nil, fmt.Errorf("align: %w: Z repeats an element", ErrDuplicate)
		}
		seenZ[p] = struct{}{}
		if k, ok := at[p]; ok {
			m = append(m, pair{p, i, k})
		}
	}
	slices.SortFunc(m, func(a, b pair) int { return bytes.Compare(a.key[:], b.key[:]) })
	own = make([]int, len(m))
	order = make([]uint32, len(m))
	for n, p := range m {
		own[n], order[n] = p.i, uint32(p.k)
	}
	return own, order, nil
}

// Members maps the guest's order message to the host's own members (indexes into its
// keys), in the common order.
func (h *AlignHost) Members(order []uint32) ([]int, error) {
	seen := make([]bool, len(h.perm))
	out := make([]int, len(order))
	for n, k := range order {
		if int(k) >= len(h.perm) || seen[k] {
			return nil, fmt.Errorf("align: %w: order names position %d out of range or twice", ErrMalformed, k)
		}
		seen[k] = true
		out[n] = int(h.perm[k])
	}
	return out, nil
}

// Close zeroes the secret scalar.
func (g *AlignGuest) Close() { zeroScalar(g.s) }

// Close zeroes the secret scalar and the shuffle.
func (h *AlignHost) Close() { zeroScalar(h.s); clear(h.perm) }
