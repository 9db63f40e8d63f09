package cleanroom

import (
	"crypto/rand"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"
	mrand "math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/bwesterb/go-ristretto/edwards25519"
	"github.com/cloudflare/circl/group"
)

// grp is the prime-order group every match key is hashed into: ristretto255 (RFC 9496),
// through circl, whose HashToElement is RFC 9380's hash_to_ristretto255
// (expand_message_xmd with SHA-512, two Elligator maps, added).
var grp = group.Ristretto255

// PointSize is the size of an encoded ristretto255 element.
const PointSize = 32

// Point is one encoded group element as it travels: a blinded match key.
type Point [PointSize]byte

// suiteID is RFC 9380's suite identifier for hash_to_ristretto255 (Appendix B).
const suiteID = "ristretto255_XMD:SHA-512_R255MAP_RO_"

// dstPrefix opens every domain-separation tag; the version changes if the hashing or
// the protocol ever changes, so old and new blinded sets can never meet.
const dstPrefix = "STEWARD-CLEANROOM-V1-"

// MaxPairingLen bounds the pairing name inside a DST (RFC 9380 limits a DST to 255 bytes).
const MaxPairingLen = 128

// Domain is the hash-to-group domain of one pairing of two Steward instances. RFC 9380
// asks every application (and here every pairing) for its own domain-separation tag, so
// points hashed for one partner are unrelated to points hashed for another even before
// blinding. Both sides build it from the same pairing name (partner.PairingID).
type Domain struct {
	dst string
}

// NewDomain returns the domain of a pairing: DST = "STEWARD-CLEANROOM-V1-" + pairing + "-"
// + the RFC 9380 suite id. The pairing name is 1 to 128 bytes of [A-Za-z0-9._:-].
func NewDomain(pairing string) (Domain, error) {
	if pairing == "" || len(pairing) > MaxPairingLen {
		return Domain{}, fmt.Errorf("new domain: %w: pairing name must be 1 to %d bytes", ErrConfig, MaxPairingLen)
	}
	for i := 0; i < len(pairing); i++ {
		if !idByte(pairing[i]) {
			return Domain{}, fmt.Errorf("new domain: %w: pairing name allows only A-Z a-z 0-9 . _ : -", ErrConfig)
		}
	}
	return Domain{dst: dstPrefix + pairing + "-" + suiteID}, nil
}

// DST returns the domain-separation tag.
func (d Domain) DST() string { return d.dst }

func (d Domain) valid() bool { return d.dst != "" }

// hashInput is the message hashed for a key: the match-key kind, a 0 byte, the normalised
// key. The kind keeps an email and a phone number apart even if their strings met.
func hashInput(on MatchOn, key string) []byte {
	b := make([]byte, 0, len(on)+1+len(key))
	b = append(b, on...)
	b = append(b, 0)
	return append(b, key...)
}

// HashToPoint returns the encoding of hash_to_group(key) in the domain, unblinded. It is
// exported for tests and audits: an unblinded hash of an e-mail address is as good as the
// address to anyone with a dictionary, so it never leaves a state machine.
func (d Domain) HashToPoint(on MatchOn, key string) Point {
	var p Point
	b, _ := grp.HashToElement(hashInput(on, key), []byte(d.dst)).MarshalBinary()
	copy(p[:], b)
	return p
}

// scalarDST derives secret scalars from 64 random bytes (wide reduction, so uniform).
var scalarDST = []byte(dstPrefix + "SCALAR")

// newScalar returns a uniformly random non-zero scalar read from r.
func newScalar(r io.Reader) (group.Scalar, error) {
	var buf [64]byte
	defer clear(buf[:])
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("new scalar: %w", err)
		}
		s := grp.HashToScalar(buf[:], scalarDST)
		if !s.IsZero() {
			return s, nil
		}
	}
}

// zeroScalar overwrites a secret scalar in place.
func zeroScalar(s group.Scalar) {
	if s != nil {
		s.SetUint64(0)
	}
}

// newShuffler returns a ChaCha8 generator (a CSPRNG) seeded from r, for permutations.
// The order of a shuffled set must not be predictable by the other side, or it could
// undo the shuffle and link doubly-blinded elements back to its own.
func newShuffler(r io.Reader) (*mrand.Rand, error) {
	var seed [32]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return nil, fmt.Errorf("seed shuffle: %w", err)
	}
	return mrand.New(mrand.NewChaCha8(seed)), nil
}

// permutation returns a uniformly random permutation of 0..n-1.
func permutation(rng *mrand.Rand, n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// workers returns the goroutines a step uses: w, or GOMAXPROCS when w <= 0.
func workers(w int) int {
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return w
}

// chunk is how many elements a worker takes at a time: large enough that the atomic
// counter costs nothing next to ~100 µs scalar multiplications, small enough that the
// workers finish together.
const chunk = 256

// parallel runs fn over [0, n) in chunks on w goroutines and returns the first error.
func parallel(n, w int, fn func(lo, hi int) error) error {
	if n == 0 {
		return nil
	}
	w = min(workers(w), (n+chunk-1)/chunk)
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, w)
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for !failed.Load() {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				if err := fn(lo, min(lo+chunk, n)); err != nil {
					errs[k] = err
					failed.Store(true)
					return
				}
			}
		}(k)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// hashBlind computes out[i] = encode(s · hash_to_group(keys[i])) for every own key.
func hashBlind(d Domain, on MatchOn, keys []string, s group.Scalar, out []Point, w int) {
	dst := []byte(d.dst)
	_ = parallel(len(keys), w, func(lo, hi int) error {
		e := grp.NewElement()
		for i := lo; i < hi; i++ {
			e.Mul(grp.HashToElement(hashInput(on, keys[i]), dst), s)
			b, _ := e.MarshalBinary()
			copy(out[i][:], b)
		}
		return nil
	})
}

// reblindKeys blinds the other side's elements a second time. The results are only ever
// compared, never blinded again, so out[i] is not the ristretto encoding of
// s · decode(in[i]) but its comparison key: the RFC 8032 encoding of the Edwards point
// 4·(s · decode(in[i])). It refuses bytes that are not a canonical ristretto255 encoding
// and the identity (which would blind to the identity and match anything the same way).
//
// Why not the ristretto encoding: it costs an inverse square root per element (~5 µs,
// about 5% of the scalar multiplication), where 4·P costs two doublings and its affine
// form a share of one batched inversion. It is canonical all the same: a ristretto255
// element is a coset P + E[4] of even Edwards points, and 4·(P + T) = 4·P for every T in
// E[4], while 4·P = 4·P' forces P − P' into E[4]; so equal elements, and only equal
// elements, get equal keys. The scalar multiplication is circl's own (go-ristretto, the
// implementation behind circl's ristretto255), reached directly because circl does not
// expose a point's coordinates.
func reblindKeys(in []Point, s group.Scalar, out []Point, w int) error {
	sb, err := s.MarshalBinary()
	if err != nil {
		return err
	}
	var sc [32]byte
	copy(sc[:], sb)
	clear(sb)
	defer clear(sc[:])
	return parallel(len(in), w, func(lo, hi int) error {
		var pts [chunk]edwards25519.ExtendedPoint
		var acc [chunk]edwards25519.FieldElement
		defer clear(pts[:])
		var p edwards25519.ExtendedPoint
		for i := lo; i < hi; i++ {
			buf := [32]byte(in[i])
			if in[i] == (Point{}) || !p.SetRistretto(&buf) {
				return fmt.Errorf("blind element %d: %w", i, ErrInvalidElement)
			}
			q := &pts[i-lo]
			q.ScalarMult(&p, &sc)
			q.Double(q)
			q.Double(q)
		}
		p.SetZero()
		// Montgomery's trick: one inversion for the chunk.
		n := hi - lo
		acc[0].Set(&pts[0].Z)
		for i := 1; i < n; i++ {
			acc[i].Mul(&acc[i-1], &pts[i].Z)
		}
		var inv, zi, x, y edwards25519.FieldElement
		inv.Inverse(&acc[n-1])
		for i := n - 1; i >= 0; i-- {
			if i > 0 {
				zi.Mul(&inv, &acc[i-1])
				inv.Mul(&inv, &pts[i].Z)
			} else {
				zi.Set(&inv)
			}
			x.Mul(&pts[i].X, &zi)
			y.Mul(&pts[i].Y, &zi)
			var k [32]byte
			y.BytesInto(&k)
			k[31] |= byte(x.IsNegativeI()) << 7
			out[lo+i] = Point(k)
		}
		return nil
	})
}

// randReader returns r, or crypto/rand when r is nil.
func randReader(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// idByte reports whether b may appear in a job id or pairing name.
func idByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '-' || b == ':'
}

// pointSet is an open-addressing hash set of points whose memory this package owns, so
// it can be wiped (a Go map keeps deleted keys' bytes until the runtime reuses them).
// Slots are indexed by a keyed hash, so a dishonest peer cannot choose points that
// collide. The all-zero point (the identity's encoding) marks an empty slot; callers
// refuse it before inserting.
type pointSet struct {
	slots []Point
	flags []uint8
	mask  uint64
	seed  maphash.Seed
}

func newPointSet(n int) *pointSet {
	size := 1 << bits.Len(uint(2*n+1))
	return &pointSet{slots: make([]Point, size), flags: make([]uint8, size), mask: uint64(size - 1), seed: maphash.MakeSeed()}
}

// slot returns the index of p's slot: where it is, or the empty slot where it goes.
func (s *pointSet) slot(p *Point) int {
	i := maphash.Bytes(s.seed, p[:]) & s.mask
	for s.slots[i] != (Point{}) && s.slots[i] != *p {
		i = (i + 1) & s.mask
	}
	return int(i)
}

// add inserts p with flag f and returns the flags p had before (0 if absent).
func (s *pointSet) add(p *Point, f uint8) uint8 {
	i := s.slot(p)
	old := s.flags[i]
	s.slots[i] = *p
	s.flags[i] |= f
	return old
}

func (s *pointSet) wipe() {
	clear(s.slots)
	clear(s.flags)
}
