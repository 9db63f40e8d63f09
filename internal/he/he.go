package he

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	mrand "math/rand/v2"

	"github.com/tuneinsight/lattigo/v6/core/rlwe"
	"github.com/tuneinsight/lattigo/v6/ring"
	"github.com/tuneinsight/lattigo/v6/schemes/bgv"
)

// N is the ring degree: coefficients per ciphertext.
const N = 1 << 13

// SmudgeBits is log2 of the bound of the uniform noise Seal adds to every coefficient of
// the error ("noise flooding"); see doc.go for the bound it hides.
const SmudgeBits = 100

// MaxPolyNorm bounds Σ|p_k| of a polynomial MulPoly takes: with fresh errors below 6σ ≈ 19,
// a product's error stays below 19·2^33 ≈ 2^37.3 per coefficient.
const MaxPolyNorm = 1 << 33

// Errors.
var (
	// ErrMalformed: bytes that are not a ciphertext or public key of this parameter set.
	ErrMalformed = errors.New("he: malformed ciphertext")
	// ErrRange: a value or polynomial outside what the parameter set carries exactly.
	ErrRange = errors.New("he: value out of range")
)

// params is the one parameter set: ring degree 2^13, three 60-bit NTT primes (log Q ≈
// 180, within the homomorphic-encryption standard's 218-bit bound for 128-bit security at
// this degree with a ternary secret and σ = 3.2), plaintext modulus a 58-bit NTT prime.
// The primes are those of the clean room's intersection-sum (internal/cleanroom/he.go),
// fixed here so the wire format cannot drift with the library.
var params = mustParams()

func mustParams() bgv.Parameters {
	p, err := bgv.NewParametersFromLiteral(bgv.ParametersLiteral{
		LogN:             13,
		Q:                []uint64{0xfffffffffffc001, 0xffffffffffe8001, 0x1000000000024001},
		PlaintextModulus: 0x3fffffffff34001,
	})
	if err != nil {
		panic("he: parameters: " + err.Error())
	}
	return p
}

// T returns the plaintext modulus: arithmetic is exact modulo T, and signed values in
// (−T/2, T/2) read back exactly.
func T() uint64 { return params.PlaintextModulus() }

const limbs = 3

// CiphertextSize is the size of a ciphertext (and of a public key) on the wire:
// 2 polynomials × 3 limbs × N coefficients × 8 bytes, little-endian, NTT domain.
const CiphertextSize = 2 * limbs * N * 8

// KeyPair is a party's secret and public key. The secret key never leaves its owner.
type KeyPair struct {
	sk *rlwe.SecretKey
	pk *rlwe.PublicKey
}

// GenerateKey returns a fresh key pair.
func GenerateKey() *KeyPair {
	sk, pk := rlwe.NewKeyGenerator(params).GenKeyPairNew()
	return &KeyPair{sk: sk, pk: pk}
}

// PublicKey returns the public key on the wire (the peer rerandomises with it).
func (k *KeyPair) PublicKey() []byte {
	return wire(pk0(k.pk), pk1(k.pk))
}

func pk0(pk *rlwe.PublicKey) ring.Poly { return pk.Value[0].Q }
func pk1(pk *rlwe.PublicKey) ring.Poly { return pk.Value[1].Q }

// Zero wipes the secret key.
func (k *KeyPair) Zero() {
	if k.sk != nil {
		k.sk.Value.Q.Zero()
		k.sk.Value.P.Zero()
	}
}

func wire(a, b ring.Poly) []byte {
	out := make([]byte, 0, CiphertextSize)
	for _, p := range []ring.Poly{a, b} {
		for l := 0; l < limbs; l++ {
			for _, c := range p.Coeffs[l] {
				out = binary.LittleEndian.AppendUint64(out, c)
			}
		}
	}
	return out
}

// unwire reads two polynomials, refusing any coefficient not reduced modulo its prime.
func unwire(b []byte, a, c ring.Poly) error {
	if len(b) != CiphertextSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrMalformed, len(b), CiphertextSize)
	}
	q := params.Q()
	off := 0
	for _, p := range []ring.Poly{a, c} {
		for l := 0; l < limbs; l++ {
			for i := range p.Coeffs[l] {
				v := binary.LittleEndian.Uint64(b[off:])
				if v >= q[l] {
					return fmt.Errorf("%w: coefficient not reduced", ErrMalformed)
				}
				p.Coeffs[l][i] = v
				off += 8
			}
		}
	}
	return nil
}

// toT maps signed values to Z_T, refusing any outside (−T/2, T/2).
func toT(v []int64) ([]uint64, error) {
	t := T()
	out := make([]uint64, N)
	for i, x := range v {
		if x >= int64(t/2) || x <= -int64(t/2) {
			return nil, fmt.Errorf("%w: coefficient %d", ErrRange, i)
		}
		if x < 0 {
			out[i] = t - uint64(-x)
		} else {
			out[i] = uint64(x)
		}
	}
	return out, nil
}

// Signed reads a value mod T as a signed integer in (−T/2, T/2].
func Signed(v uint64) int64 {
	t := T()
	v %= t
	if v > t/2 {
		return -int64(t - v)
	}
	return int64(v)
}

// Sub returns a − b mod T (unmasking).
func Sub(a, b uint64) uint64 {
	t := T()
	return (a%t + t - b%t) % t
}

func encode(v []uint64) (*rlwe.Plaintext, error) {
	pt := bgv.NewPlaintext(params, params.MaxLevel())
	pt.IsBatched = false
	if err := bgv.NewEncoder(params).Encode(v, pt); err != nil {
		return nil, fmt.Errorf("he: encode: %w", err)
	}
	return pt, nil
}

// Encrypt encrypts up to N signed values as the coefficients of one plaintext
// polynomial (value i at X^i), under the secret key: only the key holder encrypts.
func (k *KeyPair) Encrypt(values []int64) ([]byte, error) {
	if len(values) > N {
		return nil, fmt.Errorf("%w: %d values, at most %d", ErrRange, len(values), N)
	}
	v, err := toT(values)
	if err != nil {
		return nil, err
	}
	pt, err := encode(v)
	clear(v)
	if err != nil {
		return nil, err
	}
	ct, err := rlwe.NewEncryptor(params, k.sk).EncryptNew(pt)
	pt.Value.Zero()
	if err != nil {
		return nil, fmt.Errorf("he: encrypt: %w", err)
	}
	return wire(ct.Value[0], ct.Value[1]), nil
}

// Decrypt returns the N plaintext coefficients mod T.
func (k *KeyPair) Decrypt(b []byte) ([]uint64, error) {
	ct := rlwe.NewCiphertext(params, 1, params.MaxLevel())
	if err := unwire(b, ct.Value[0], ct.Value[1]); err != nil {
		return nil, err
	}
	ct.IsNTT = true
	ct.IsBatched = false
	ct.Scale = params.DefaultScale()
	pt := rlwe.NewDecryptor(params, k.sk).DecryptNew(ct)
	out := make([]uint64, N)
	err := bgv.NewEncoder(params).Decode(pt, out)
	pt.Value.Zero()
	if err != nil {
		return nil, fmt.Errorf("he: decrypt: %w", err)
	}
	return out, nil
}

// Evaluator computes on a peer's ciphertexts with the peer's public key.
type Evaluator struct {
	pk *rlwe.PublicKey
}

// NewEvaluator parses the peer's public key.
func NewEvaluator(publicKey []byte) (*Evaluator, error) {
	pk := rlwe.NewPublicKey(params)
	if err := unwire(publicKey, pk.Value[0].Q, pk.Value[1].Q); err != nil {
		return nil, err
	}
	return &Evaluator{pk: pk}, nil
}

// Ciphertext is a peer's ciphertext under evaluation.
type Ciphertext struct {
	c [2]ring.Poly
}

// Parse reads a peer's ciphertext.
func (e *Evaluator) Parse(b []byte) (*Ciphertext, error) {
	rq := params.RingQ()
	c := &Ciphertext{c: [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}}
	if err := unwire(b, c.c[0], c.c[1]); err != nil {
		return nil, err
	}
	return c, nil
}

// AddPlain adds signed plaintext values to the coefficients (value i to X^i).
func (e *Evaluator) AddPlain(c *Ciphertext, values []int64) error {
	if len(values) > N {
		return fmt.Errorf("%w: %d values", ErrRange, len(values))
	}
	v, err := toT(values)
	if err != nil {
		return err
	}
	return addT(c, v)
}

func addT(c *Ciphertext, v []uint64) error {
	pt, err := encode(v)
	if err != nil {
		return err
	}
	params.RingQ().Add(c.c[0], pt.Value, c.c[0])
	pt.Value.Zero()
	return nil
}

// MulPoly returns c times the polynomial Σ p_k X^k (len(p) = N, small signed
// coefficients, Σ|p_k| ≤ MaxPolyNorm).
func (e *Evaluator) MulPoly(c *Ciphertext, p []int64) (*Ciphertext, error) {
	if len(p) != N {
		return nil, fmt.Errorf("%w: polynomial of %d coefficients", ErrRange, len(p))
	}
	var norm uint64
	for _, x := range p {
		if x < 0 {
			norm += uint64(-x)
		} else {
			norm += uint64(x)
		}
		if norm > MaxPolyNorm {
			return nil, fmt.Errorf("%w: polynomial norm above 2^33", ErrRange)
		}
	}
	rq := params.RingQ()
	poly := rq.NewPoly()
	for l, q := range params.Q() {
		cs := poly.Coeffs[l]
		for k, x := range p {
			if x < 0 {
				cs[k] = q - uint64(-x)
			} else {
				cs[k] = uint64(x)
			}
		}
	}
	rq.NTT(poly, poly)
	rq.MForm(poly, poly)
	out := &Ciphertext{c: [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}}
	rq.MulCoeffsMontgomery(c.c[0], poly, out.c[0])
	rq.MulCoeffsMontgomery(c.c[1], poly, out.c[1])
	return out, nil
}

// Add returns a + b.
func (e *Evaluator) Add(a, b *Ciphertext) *Ciphertext {
	rq := params.RingQ()
	out := &Ciphertext{c: [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}}
	rq.Add(a.c[0], b.c[0], out.c[0])
	rq.Add(a.c[1], b.c[1], out.c[1])
	return out
}

// Seal readies c to go back to the key holder: every coefficient is masked with an
// independent uniform value mod T, unless keep names it as an output the key holder
// may read in clear (keep[k] true: no mask); a fresh public-key encryption of zero is
// added (so the second component is a fresh RLWE sample, not a function of what was
// multiplied in); and the error is flooded with uniform noise in [−2^100, 2^100]. It
// returns the wire bytes and the masks (0 where kept, for outputs to unmask with Sub).
func (e *Evaluator) Seal(c *Ciphertext, keep func(k int) bool, rnd io.Reader) ([]byte, []uint64, error) {
	src, err := newStream(rnd)
	if err != nil {
		return nil, nil, err
	}
	t := T()
	mask := make([]uint64, N)
	for k := range mask {
		if keep != nil && keep(k) {
			continue
		}
		mask[k] = src.below(t)
	}
	if err := addT(c, mask); err != nil {
		return nil, nil, err
	}
	rq := params.RingQ()
	z := rlwe.NewCiphertext(params, 1, params.MaxLevel())
	if err := rlwe.NewEncryptor(params, e.pk).EncryptZero(z); err != nil {
		return nil, nil, fmt.Errorf("he: rerandomise: %w", err)
	}
	rq.Add(c.c[0], z.Value[0], c.c[0])
	rq.Add(c.c[1], z.Value[1], c.c[1])
	f := smudge(src)
	rq.Add(c.c[0], f, c.c[0])
	f.Zero()
	return wire(c.c[0], c.c[1]), mask, nil
}

// MaskOutputs is Seal's usual form: the outputs are masked too (the key holder sees
// output + mask and hands it back for the evaluator to unmask), everything else is
// masked and forgotten.
func (e *Evaluator) MaskOutputs(c *Ciphertext, rnd io.Reader) ([]byte, []uint64, error) {
	return e.Seal(c, nil, rnd)
}

// stream is a ChaCha8 keystream (a CSPRNG) keyed from rnd: sampling 2·N values per
// seal from crypto/rand one big.Int at a time cost more than the homomorphic product.
type stream struct{ r *mrand.ChaCha8 }

func newStream(rnd io.Reader) (*stream, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var seed [32]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("he: seed: %w", err)
	}
	s := &stream{r: mrand.NewChaCha8(seed)}
	clear(seed[:])
	return s, nil
}

// below returns a uniform value in [0, n) (rejection sampling on the bit length of n).
func (s *stream) below(n uint64) uint64 {
	m := uint64(1)<<bits.Len64(n) - 1
	for {
		if v := s.r.Uint64() & m; v < n {
			return v
		}
	}
}

// smudge samples a polynomial with coefficients uniform in [−2^SmudgeBits, 2^SmudgeBits)
// (2^(SmudgeBits+1) values), reduced modulo each prime without big integers:
// v = hi·2^64 + lo − 2^SmudgeBits, hi < 2^(SmudgeBits−63).
func smudge(src *stream) ring.Poly {
	rq := params.RingQ()
	f := rq.NewPoly()
	hiMask := uint64(1)<<(SmudgeBits+1-64) - 1
	q := params.Q()
	var off [limbs]uint64
	for l, ql := range q {
		off[l] = bits.Rem64(uint64(1)<<(SmudgeBits-64), 0, ql) // 2^SmudgeBits mod q
	}
	for k := 0; k < N; k++ {
		lo, hi := src.r.Uint64(), src.r.Uint64()&hiMask
		for l, ql := range q {
			r := bits.Rem64(hi, lo, ql)
			f.Coeffs[l][k] = (r + ql - off[l]) % ql
		}
	}
	rq.NTT(f, f)
	return f
}

// InnerPoly builds the polynomial whose product with m = Σ_i a_i X^i holds, at
// coefficient f·stride, the inner product Σ_i a_i cols[f][i]: P = Σ_f X^(f·stride)
// Σ_i cols[f][i] X^(−i), with X^(−i) = −X^(N−i) in Z[X]/(X^N+1). The other
// coefficients of m·P hold partial, shifted inner products (Seal masks them). Exact
// when every column has at most stride entries, m's nonzero coefficients lie below
// stride, and (len(cols)+1)·stride ≤ N.
func InnerPoly(cols [][]int64, stride int) ([]int64, error) {
	if stride <= 0 || (len(cols)+1)*stride > N {
		return nil, fmt.Errorf("%w: %d columns of stride %d do not fit %d coefficients", ErrRange, len(cols), stride, N)
	}
	p := make([]int64, N)
	for f, col := range cols {
		if len(col) > stride {
			return nil, fmt.Errorf("%w: column of %d entries, stride %d", ErrRange, len(col), stride)
		}
		for i, v := range col {
			k := f*stride - i
			if k < 0 {
				p[k+N] -= v
			} else {
				p[k] += v
			}
		}
	}
	return p, nil
}
