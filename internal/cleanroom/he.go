package cleanroom

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/tuneinsight/lattigo/v6/core/rlwe"
	"github.com/tuneinsight/lattigo/v6/ring"
	"github.com/tuneinsight/lattigo/v6/schemes/bgv"
)

// The sum of intersection_sum runs under packed RLWE: lattigo's BGV scheme with
// coefficient (not slot) encoding. Why this and not Paillier, with the measured figures,
// is in BENCHMARKS.md; how the sum is taken without revealing more than the sum, in doc.go.

// Limits the parameter set is sized for. The partner's set holds at most MaxSetSize
// people, each contributing at most MaxValue, so a sum stays below 2^56, under half the
// plaintext modulus (2^58): the initiator reads it back exactly.
const (
	MaxSetSize = 1 << 24
	MaxValue   = 1<<32 - 1
)

// HEParamsID names the parameter set on the wire. Another set would get another id.
const HEParamsID = 1

// heN is the ring degree: values per ciphertext.
const heN = 1 << 13

// heSet holds the one parameter set: ring degree 2^13, three 60-bit NTT primes
// (log Q = 180, within the homomorphic-encryption standard's 218-bit bound for 128-bit
// security at this degree, with a ternary secret and σ = 3.2 errors), and a 58-bit NTT
// prime plaintext modulus. The primes are fixed here rather than generated, so the wire
// format cannot drift with the library.
var heSet = mustHEParams()

// smudgeBits is log2 of the bound B of the uniform noise in [-B, B] the initiator adds to
// the summed ciphertext ("noise flooding"). The noise the sum carries before flooding is
// at most K·N·19.2 (K ≤ 2^11 ciphertexts, N = 2^13 coefficients, fresh errors bounded by
// 6σ, indicator polynomials with coefficients in {-1, 0, 1}): about 2^28.3. Flooding with
// B = 2^105 puts the distribution the partner decrypts within statistical distance
// N·2^28.3/2^106 ≈ 2^-64.7 of one that does not depend on which ciphertext coefficients
// were selected, and T·B·2 = 2^164 stays well under Q/2 = 2^179 for correct decryption.
const smudgeBits = 105

type heParams struct {
	p      bgv.Parameters
	limbs  int
	moduli []uint64
}

func mustHEParams() *heParams {
	p, err := bgv.NewParametersFromLiteral(bgv.ParametersLiteral{
		LogN:             13,
		Q:                []uint64{0xfffffffffffc001, 0xffffffffffe8001, 0x1000000000024001},
		PlaintextModulus: 0x3fffffffff34001,
	})
	if err != nil {
		panic("cleanroom: HE parameters: " + err.Error())
	}
	return &heParams{p: p, limbs: len(p.Q()), moduli: p.Q()}
}

// Poly is one polynomial as it travels: limbs × N coefficients, limb after limb, each
// reduced modulo its prime.
type Poly []uint64

// Ciphertext is a degree-1 RLWE ciphertext (or a public key) as it travels, both
// polynomials in the NTT domain.
type Ciphertext struct {
	C0, C1 Poly
}

func (h *heParams) polyLen() int { return h.limbs * heN }

// ringPoly views a wire polynomial as a lattigo polynomial without copying.
func (h *heParams) ringPoly(p Poly) ring.Poly {
	c := make([][]uint64, h.limbs)
	for l := range c {
		c[l] = p[l*heN : (l+1)*heN]
	}
	return ring.Poly{Coeffs: c}
}

// wirePoly copies a lattigo polynomial out.
func (h *heParams) wirePoly(p ring.Poly) Poly {
	out := make(Poly, h.polyLen())
	for l := 0; l < h.limbs; l++ {
		copy(out[l*heN:], p.Coeffs[l])
	}
	return out
}

// reduced reports whether every coefficient of p is below its prime.
func (h *heParams) reduced(p Poly) bool {
	if len(p) != h.polyLen() {
		return false
	}
	for l, q := range h.moduli {
		for _, c := range p[l*heN : (l+1)*heN] {
			if c >= q {
				return false
			}
		}
	}
	return true
}

// ciphertexts returns how many ciphertexts carry n values.
func ciphertexts(n int) int { return (n + heN - 1) / heN }

// heKeys is the partner's key pair. The secret key never leaves the partner.
type heKeys struct {
	sk *rlwe.SecretKey
	pk *rlwe.PublicKey
}

func (h *heParams) genKeys() heKeys {
	sk, pk := rlwe.NewKeyGenerator(h.p).GenKeyPairNew()
	return heKeys{sk: sk, pk: pk}
}

func (k *heKeys) zero() {
	if k.sk != nil {
		k.sk.Value.Q.Zero()
		k.sk.Value.P.Zero()
	}
	k.sk, k.pk = nil, nil
}

func (h *heParams) wirePublicKey(pk *rlwe.PublicKey) Ciphertext {
	return Ciphertext{C0: h.wirePoly(pk.Value[0].Q), C1: h.wirePoly(pk.Value[1].Q)}
}

func (h *heParams) publicKey(c Ciphertext) *rlwe.PublicKey {
	pk := rlwe.NewPublicKey(h.p)
	for i, p := range []Poly{c.C0, c.C1} {
		for l := 0; l < h.limbs; l++ {
			copy(pk.Value[i].Q.Coeffs[l], p[l*heN:(l+1)*heN])
		}
	}
	return pk
}

// encryptValues packs values (already in the order of the partner's shuffled blinded
// set) N to a ciphertext, in the coefficients of the plaintext polynomial: value j of
// ciphertext k is the coefficient of X^j. It encrypts under the secret key (symmetric
// RLWE: smaller noise than public-key encryption, and only the key holder encrypts).
func (h *heParams) encryptValues(k heKeys, values []uint64, w int) ([]Ciphertext, error) {
	out := make([]Ciphertext, ciphertexts(len(values)))
	err := parallel(len(out), w, func(lo, hi int) error {
		enc := rlwe.NewEncryptor(h.p, k.sk)
		ecd := bgv.NewEncoder(h.p)
		block := make([]uint64, heN)
		defer clear(block)
		for i := lo; i < hi; i++ {
			clear(block)
			copy(block, values[i*heN:min((i+1)*heN, len(values))])
			pt := bgv.NewPlaintext(h.p, h.p.MaxLevel())
			pt.IsBatched = false
			if err := ecd.Encode(block, pt); err != nil {
				return fmt.Errorf("encrypt values: %w", err)
			}
			ct, err := enc.EncryptNew(pt)
			pt.Value.Zero()
			if err != nil {
				return fmt.Errorf("encrypt values: %w", err)
			}
			out[i] = Ciphertext{C0: h.wirePoly(ct.Value[0]), C1: h.wirePoly(ct.Value[1])}
		}
		return nil
	})
	return out, err
}

// selectSum returns an encryption of the masked inner products of the values with the
// selection (true where the partner's element is in the intersection), rerandomised and
// noise-flooded, and the mask of coefficient 0.
//
// For each ciphertext k the selection x_k becomes p_k(X) = x_k,0 − Σ_{j≥1} x_k,j X^(N−j);
// in Z[X]/(X^N+1) the constant coefficient of m_k·p_k is Σ_j x_k,j m_k,j, the sum over
// the selected values. Σ_k ct_k·p_k thus encrypts, in coefficient 0, the intersection
// sum, and in the other coefficients other (partial, cyclically shifted) inner products.
// Every coefficient is masked with an independent uniform value mod T, a fresh public-key
// encryption of zero is added (so the second component no longer reveals p_k to the key
// holder), and uniform noise in [-2^105, 2^105] floods the error term.
func (h *heParams) selectSum(pk Ciphertext, cts []Ciphertext, sel []bool, rnd io.Reader, w int) (Ciphertext, uint64, error) {
	rq := h.p.RingQ()
	acc := [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}
	// Each worker sums its share of ciphertexts; the partial sums are added at the end.
	nw := max(1, min(workers(w), len(cts)))
	parts := make([][2]ring.Poly, nw)
	var next atomic.Int64
	var wg sync.WaitGroup
	for wk := range parts {
		parts[wk] = [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}
		wg.Add(1)
		go func(part [2]ring.Poly) {
			defer wg.Done()
			p := rq.NewPoly()
			defer p.Zero()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(cts) {
					return
				}
				p.Zero()
				base := k * heN
				for l, q := range h.moduli {
					c := p.Coeffs[l]
					if base < len(sel) && sel[base] {
						c[0] = 1
					}
					for j := 1; j < heN && base+j < len(sel); j++ {
						if sel[base+j] {
							c[heN-j] = q - 1
						}
					}
				}
				rq.NTT(p, p)
				rq.MForm(p, p)
				rq.MulCoeffsMontgomeryThenAdd(h.ringPoly(cts[k].C0), p, part[0])
				rq.MulCoeffsMontgomeryThenAdd(h.ringPoly(cts[k].C1), p, part[1])
			}
		}(parts[wk])
	}
	wg.Wait()
	for _, part := range parts {
		rq.Add(acc[0], part[0], acc[0])
		rq.Add(acc[1], part[1], acc[1])
		part[0].Zero()
		part[1].Zero()
	}

	// Mask: R uniform in Z_T^N, encoded like any plaintext and added.
	t := h.p.PlaintextModulus()
	mask := make([]uint64, heN)
	defer clear(mask)
	tb := new(big.Int).SetUint64(t)
	for i := range mask {
		v, err := randInt(rnd, tb)
		if err != nil {
			return Ciphertext{}, 0, fmt.Errorf("mask sum: %w", err)
		}
		mask[i] = v.Uint64()
	}
	pt := bgv.NewPlaintext(h.p, h.p.MaxLevel())
	pt.IsBatched = false
	if err := bgv.NewEncoder(h.p).Encode(mask, pt); err != nil {
		return Ciphertext{}, 0, fmt.Errorf("mask sum: %w", err)
	}
	rq.Add(acc[0], pt.Value, acc[0])
	pt.Value.Zero()

	// Rerandomise: add a fresh encryption of zero under the partner's public key.
	z := rlwe.NewCiphertext(h.p, 1, h.p.MaxLevel())
	if err := rlwe.NewEncryptor(h.p, h.publicKey(pk)).EncryptZero(z); err != nil {
		return Ciphertext{}, 0, fmt.Errorf("rerandomise sum: %w", err)
	}
	rq.Add(acc[0], z.Value[0], acc[0])
	rq.Add(acc[1], z.Value[1], acc[1])

	// Flood the error term.
	e, err := h.smudge(rnd)
	if err != nil {
		return Ciphertext{}, 0, err
	}
	rq.Add(acc[0], e, acc[0])
	e.Zero()

	out := Ciphertext{C0: h.wirePoly(acc[0]), C1: h.wirePoly(acc[1])}
	acc[0].Zero()
	acc[1].Zero()
	return out, mask[0], nil
}

// smudge samples a polynomial with coefficients uniform in [-2^smudgeBits, 2^smudgeBits],
// in the NTT domain.
func (h *heParams) smudge(rnd io.Reader) (ring.Poly, error) {
	rq := h.p.RingQ()
	bound := new(big.Int).Lsh(big.NewInt(1), smudgeBits)
	width := new(big.Int).Add(new(big.Int).Lsh(bound, 1), big.NewInt(1))
	coeffs := make([]*big.Int, heN)
	for i := range coeffs {
		v, err := randInt(rnd, width)
		if err != nil {
			return ring.Poly{}, fmt.Errorf("flood noise: %w", err)
		}
		coeffs[i] = v.Sub(v, bound)
	}
	e := rq.NewPoly()
	rq.SetCoefficientsBigint(coeffs, e)
	rq.NTT(e, e)
	for _, c := range coeffs {
		c.SetInt64(0)
	}
	return e, nil
}

// decryptFirst decrypts ct and returns its coefficient 0 mod T (the masked sum).
func (h *heParams) decryptFirst(sk *rlwe.SecretKey, c Ciphertext) (uint64, error) {
	ct := rlwe.NewCiphertext(h.p, 1, h.p.MaxLevel())
	for i, p := range []Poly{c.C0, c.C1} {
		for l := 0; l < h.limbs; l++ {
			copy(ct.Value[i].Coeffs[l], p[l*heN:(l+1)*heN])
		}
	}
	ct.IsNTT = true
	ct.IsBatched = false
	ct.Scale = h.p.DefaultScale()
	pt := rlwe.NewDecryptor(h.p, sk).DecryptNew(ct)
	out := make([]uint64, heN)
	defer clear(out)
	err := bgv.NewEncoder(h.p).Decode(pt, out)
	pt.Value.Zero()
	if err != nil {
		return 0, fmt.Errorf("decrypt sum: %w", err)
	}
	return out[0], nil
}

// randInt returns a uniform integer in [0, n) read from r (rejection sampling).
func randInt(r io.Reader, n *big.Int) (*big.Int, error) { return rand.Int(r, n) }
