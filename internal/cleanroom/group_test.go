package cleanroom

import (
	"testing"

	"github.com/bwesterb/go-ristretto/edwards25519"
)

// reblind is the textbook second blinding: the ristretto encoding of s · decode(in[i]).
func reblind(t *testing.T, in []Point, s []byte) []Point {
	t.Helper()
	sc := grp.NewScalar()
	if err := sc.UnmarshalBinary(s); err != nil {
		t.Fatal(err)
	}
	out := make([]Point, len(in))
	e := grp.NewElement()
	for i := range in {
		if err := e.UnmarshalBinary(in[i][:]); err != nil {
			t.Fatal(err)
		}
		b, _ := e.Mul(e, sc).MarshalBinary()
		copy(out[i][:], b)
	}
	return out
}

// Comparison keys are a function of the ristretto element, not of its Edwards
// representative, and distinct elements get distinct keys.
func TestComparisonKeysAreCanonical(t *testing.T) {
	d, _ := NewDomain("keys")
	keys := make([]string, 700) // more than two chunks, and a ragged last one
	for i := range keys {
		keys[i] = string(rune('a'+i%26)) + "@x" + string(rune('0'+i%10)) + ".cn" + string(rune(i))
	}
	s, _ := newScalar(randReader(nil))
	one := grp.NewScalar().SetUint64(1)
	pts := make([]Point, len(keys))
	hashBlind(d, MatchEmail, keys, one, pts, 2)
	sb, _ := s.MarshalBinary()

	got := make([]Point, len(pts))
	if err := reblindKeys(pts, s, got, 2); err != nil {
		t.Fatal(err)
	}
	// Blinding first (ristretto encodings), then keying with s = 1, gives the same keys.
	again := make([]Point, len(pts))
	if err := reblindKeys(reblind(t, pts, sb), one, again, 3); err != nil {
		t.Fatal(err)
	}
	seen := map[Point]bool{}
	for i := range got {
		if got[i] != again[i] {
			t.Fatalf("key %d depends on the path", i)
		}
		if seen[got[i]] {
			t.Fatalf("two elements share key %x", got[i])
		}
		seen[got[i]] = true
	}
	// P and P + T for each 4-torsion point T are one ristretto element: one key.
	var p edwards25519.ExtendedPoint
	buf := [32]byte(pts[0])
	if !p.SetRistretto(&buf) {
		t.Fatal("decode")
	}
	var ts [3]edwards25519.ExtendedPoint
	ts[0].SetTorsion1()
	ts[1].SetTorsion2()
	ts[2].SetTorsion3()
	base := key4(&p)
	for i := range ts {
		var q edwards25519.ExtendedPoint
		q.Add(&p, &ts[i])
		var enc [32]byte
		q.RistrettoInto(&enc)
		if Point(enc) != pts[0] {
			t.Fatalf("torsion %d: another ristretto encoding", i)
		}
		if key4(&q) != base {
			t.Fatalf("torsion %d: another comparison key", i)
		}
	}
	// Invalid input is refused.
	bad := append([]Point(nil), pts[:3]...)
	bad[2] = Point{0xff}
	if err := reblindKeys(bad, s, got[:3], 1); err == nil {
		t.Fatal("accepted a non-canonical encoding")
	}
	bad[2] = Point{}
	if err := reblindKeys(bad, s, got[:3], 1); err == nil {
		t.Fatal("accepted the identity")
	}
}

func key4(p *edwards25519.ExtendedPoint) [32]byte {
	var q edwards25519.ExtendedPoint
	q.Double(p)
	q.Double(&q)
	var zi, x, y edwards25519.FieldElement
	zi.Inverse(&q.Z)
	x.Mul(&q.X, &zi)
	y.Mul(&q.Y, &zi)
	var k [32]byte
	y.BytesInto(&k)
	k[31] |= byte(x.IsNegativeI()) << 7
	return k
}
