package he_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stewardhq/steward/internal/he"
)

// TestInnerProducts checks m·InnerPoly against plaintext inner products, through
// sealing, decryption and unmasking.
func TestInnerProducts(t *testing.T) {
	k := he.GenerateKey()
	ev, err := he.NewEvaluator(k.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const stride, rows, cols = 256, 200, 30
	a := make([]int64, rows)
	for i := range a {
		a[i] = rng.Int64N(1<<27) - 1<<26
	}
	c := make([][]int64, cols)
	for f := range c {
		c[f] = make([]int64, rows)
		for i := range c[f] {
			c[f][i] = rng.Int64N(1<<21) - 1<<20
		}
	}
	ct, err := k.Encrypt(a)
	if err != nil {
		t.Fatal(err)
	}
	x, err := ev.Parse(ct)
	if err != nil {
		t.Fatal(err)
	}
	p, err := he.InnerPoly(c, stride)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := ev.MulPoly(x, p)
	if err != nil {
		t.Fatal(err)
	}
	sealed, masks, err := ev.MaskOutputs(prod, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := k.Decrypt(sealed)
	if err != nil {
		t.Fatal(err)
	}
	for f := range c {
		var want int64
		for i := range a {
			want += a[i] * c[f][i]
		}
		if got := he.Signed(he.Sub(dec[f*stride], masks[f*stride])); got != want {
			t.Fatalf("column %d: %d, want %d", f, got, want)
		}
		if dec[f*stride] == he.Sub(dec[f*stride], masks[f*stride]) && masks[f*stride] != 0 {
			t.Fatal("mask not applied")
		}
	}
	if _, err := he.InnerPoly(make([][]int64, 32), stride); !errors.Is(err, he.ErrRange) {
		t.Fatalf("too many columns: %v", err)
	}
	big := make([]int64, he.N)
	big[0] = 1 << 34
	if _, err := ev.MulPoly(x, big); !errors.Is(err, he.ErrRange) {
		t.Fatalf("norm: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	k := he.GenerateKey()
	ev, _ := he.NewEvaluator(k.PublicKey())
	ct, _ := k.Encrypt([]int64{1, 2, 3})
	f.Add(ct[:64])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Anything short of a full, reduced ciphertext is refused, never a panic.
		if len(b) < he.CiphertextSize {
			full := append(append([]byte{}, b...), ct[len(b):]...)
			if _, err := ev.Parse(full); err != nil && !errors.Is(err, he.ErrMalformed) {
				t.Fatal(err)
			}
		}
		if _, err := ev.Parse(b); err == nil && len(b) != he.CiphertextSize {
			t.Fatal("parsed a short ciphertext")
		}
		if _, err := he.NewEvaluator(b); err == nil && len(b) != he.CiphertextSize {
			t.Fatal("parsed a short key")
		}
	})
}
