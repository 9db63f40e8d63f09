package cleanroom

import (
	"crypto/rand"
	"math/big"
	"math/bits"
	mrand "math/rand/v2"
	"testing"

	"github.com/tuneinsight/lattigo/v6/core/rlwe"
	"github.com/tuneinsight/lattigo/v6/ring"
	"github.com/tuneinsight/lattigo/v6/schemes/bgv"
)

func TestHEParameters(t *testing.T) {
	p := heSet.p
	if p.N() != heN || p.LogQ() > 218 {
		t.Fatalf("N %d, log Q %.1f: over the 128-bit bound of 218 bits at N = 2^13", p.N(), p.LogQ())
	}
	tm := p.PlaintextModulus()
	if !new(big.Int).SetUint64(tm).ProbablyPrime(32) || tm%(2*heN) != 1 {
		t.Fatalf("T = %d is not an NTT prime for N", tm)
	}
	// A maximal sum must come back exactly, below T/2.
	if hi, lo := bits.Mul64(MaxSetSize, MaxValue); hi != 0 || lo >= tm/2 {
		t.Fatal("MaxSetSize · MaxValue does not fit under T/2")
	}
	// Flooding plus the sum's own noise must stay under Q/(2T) for correct decryption.
	q := p.RingQ().ModulusAtLevel[p.MaxLevel()]
	need := new(big.Int).Lsh(big.NewInt(1), smudgeBits+1)
	need.Mul(need, new(big.Int).SetUint64(tm))
	need.Lsh(need, 1)
	if need.Cmp(q) >= 0 {
		t.Fatalf("2·T·2^%d ≥ Q: decryption would fail", smudgeBits+1)
	}
}

// errorTerm decrypts ct with sk and returns the centred error e = (c0 + c1·s) − m·T^-1,
// which the key holder can always compute.
func errorTerm(t *testing.T, sk *rlwe.SecretKey, c Ciphertext) []*big.Int {
	t.Helper()
	h := heSet
	rq := h.p.RingQ()
	ct := rlwe.NewCiphertext(h.p, 1, h.p.MaxLevel())
	copy(ct.Value[0].Coeffs[0], c.C0)
	for l := range h.limbs {
		copy(ct.Value[0].Coeffs[l], c.C0[l*heN:(l+1)*heN])
		copy(ct.Value[1].Coeffs[l], c.C1[l*heN:(l+1)*heN])
	}
	ct.IsNTT, ct.IsBatched, ct.Scale = true, false, h.p.DefaultScale()
	pt := rlwe.NewDecryptor(h.p, sk).DecryptNew(ct)
	m := make([]uint64, heN)
	ecd := bgv.NewEncoder(h.p)
	if err := ecd.Decode(pt, m); err != nil {
		t.Fatal(err)
	}
	re := bgv.NewPlaintext(h.p, h.p.MaxLevel())
	re.IsBatched = false
	if err := ecd.Encode(m, re); err != nil {
		t.Fatal(err)
	}
	e := rq.NewPoly()
	rq.Sub(pt.Value, re.Value, e)
	rq.INTT(e, e)
	out := make([]*big.Int, heN)
	for i := range out {
		out[i] = new(big.Int)
	}
	rq.PolyToBigintCentered(e, 1, out)
	return out
}

func maxBits(xs []*big.Int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x.BitLen())
	}
	return m
}

// The partner holds the secret key, so it sees the summed ciphertext's error term; before
// flooding that term is a small linear function of the selection (it could be solved for
// the intersection pattern), after flooding it is dominated by ~2^105 uniform noise. The
// second component is rerandomised, not Σ c1_k·p_k. And coefficient 0 unmasks to the sum.
func TestSelectSumHidesThePattern(t *testing.T) {
	h := heSet
	keys := h.genKeys()
	rng := mrand.New(mrand.NewPCG(1, 2))
	values := make([]uint64, 2*heN+100)
	sel := make([]bool, len(values))
	var want uint64
	for i := range values {
		values[i] = rng.Uint64N(MaxValue)
		if sel[i] = rng.IntN(3) == 0; sel[i] {
			want += values[i]
		}
	}
	cts, err := h.encryptValues(keys, values, 2)
	if err != nil {
		t.Fatal(err)
	}
	pk := h.wirePublicKey(keys.pk)
	sum, mask, err := h.selectSum(pk, cts, sel, rand.Reader, 2)
	if err != nil {
		t.Fatal(err)
	}
	u0, err := h.decryptFirst(keys.sk, sum)
	if err != nil {
		t.Fatal(err)
	}
	tm := h.p.PlaintextModulus()
	if got := (u0 + tm - mask) % tm; got != want {
		t.Fatalf("unmasked sum %d, want %d", got, want)
	}
	if u0 == want%tm {
		t.Fatal("coefficient 0 is not masked")
	}

	// What the sum would be without mask, rerandomisation and flooding.
	rq := h.p.RingQ()
	raw := [2]ring.Poly{rq.NewPoly(), rq.NewPoly()}
	p := rq.NewPoly()
	for k := range cts {
		p.Zero()
		for l, q := range h.moduli {
			if sel[k*heN] {
				p.Coeffs[l][0] = 1
			}
			for j := 1; j < heN && k*heN+j < len(sel); j++ {
				if sel[k*heN+j] {
					p.Coeffs[l][heN-j] = q - 1
				}
			}
		}
		rq.NTT(p, p)
		rq.MForm(p, p)
		rq.MulCoeffsMontgomeryThenAdd(h.ringPoly(cts[k].C0), p, raw[0])
		rq.MulCoeffsMontgomeryThenAdd(h.ringPoly(cts[k].C1), p, raw[1])
	}
	plain := Ciphertext{C0: h.wirePoly(raw[0]), C1: h.wirePoly(raw[1])}
	if b := maxBits(errorTerm(t, keys.sk, plain)); b > 30 {
		t.Fatalf("unflooded error has %d bits; the bound is ~2^28", b)
	}
	if b := maxBits(errorTerm(t, keys.sk, sum)); b < smudgeBits-2 || b > smudgeBits+1 {
		t.Fatalf("flooded error has %d bits, want ~%d", b, smudgeBits)
	}
	same := 0
	for i := range plain.C1 {
		if plain.C1[i] == sum.C1[i] {
			same++
		}
	}
	if same > 10 {
		t.Fatalf("%d coefficients of c1 unchanged: not rerandomised", same)
	}
}
