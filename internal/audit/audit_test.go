package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Independent RFC 6962 §2.1 reference: MTH computed straight from the definition.
func refMTH(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		s := sha256.Sum256(append([]byte{0}, leaves[0]...))
		return s[:]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := refMTH(leaves[:k]), refMTH(leaves[k:])
	s := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return s[:]
}

// refVerifyInclusion walks the path per RFC 9162 §2.1.3.2.
func refVerifyInclusion(index, size uint64, leaf []byte, proof [][]byte, root []byte) bool {
	fn, sn := index, size-1
	s := sha256.Sum256(append([]byte{0}, leaf...))
	r := s[:]
	for _, p := range proof {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			x := sha256.Sum256(append(append([]byte{1}, p...), r...))
			r = x[:]
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			x := sha256.Sum256(append(append([]byte{1}, r...), p...))
			r = x[:]
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(r, root)
}

func fill(t *testing.T, n int) (*MemStore, *Checkpointer) {
	t.Helper()
	st := &MemStore{}
	a := NewAppender(st)
	s, _, err := LoadOrGenerateKeys(t.TempDir(), "steward.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	cp := &Checkpointer{St: st, Origin: "steward.test/audit", Signer: s}
	ps := NewPseudonymizer([]byte("secret"))
	for i := 0; i < n; i++ {
		if _, err := a.Append(context.Background(), Leaf{Time: time.Unix(int64(i), 0), Act: ActRead, Actor: "system", Subject: ps.Pseudonym(fmt.Sprint(i)), Purpose: "analytics"}); err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 {
			if _, err := cp.Checkpoint(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st, cp
}

func TestRootMatchesReference(t *testing.T) {
	for n := 0; n < 40; n++ {
		var leaves, hashes [][]byte
		for i := 0; i < n; i++ {
			leaves = append(leaves, []byte{byte(i)})
			hashes = append(hashes, LeafHash(leaves[i]))
		}
		if !bytes.Equal(RootOf(hashes), refMTH(leaves)) {
			t.Fatalf("root mismatch at n=%d", n)
		}
	}
}

func TestInclusionProofsIndependent(t *testing.T) {
	st, _ := fill(t, 21)
	for size := uint64(1); size <= 21; size++ {
		root := refMTH(st.Leaves[:size])
		for i := uint64(0); i < size; i++ {
			p, err := InclusionProof(context.Background(), st, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if !refVerifyInclusion(i, size, st.Leaves[i], p, root) {
				t.Fatalf("proof %d/%d rejected", i, size)
			}
			if size > 1 && refVerifyInclusion(i, size, []byte("x"), p, root) {
				t.Fatal("forged leaf accepted")
			}
		}
	}
}

func TestVerifyAndTamper(t *testing.T) {
	ctx := context.Background()
	st, cp := fill(t, 12)
	_, v, _ := LoadOrGenerateKeys(t.TempDir(), "other")
	_ = v
	// Use the checkpointer's own key via a fresh verifier.
	dir := t.TempDir()
	s, vv, _ := LoadOrGenerateKeys(dir, "steward.test/audit")
	cp.Signer = s
	st.Notes = nil
	if _, err := cp.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := Verify(ctx, st, vv, nil); err != nil || r.Leaves != 12 {
		t.Fatalf("untouched: %v %+v", err, r)
	}
	cases := map[string]func(m *MemStore){
		"change": func(m *MemStore) {
			m.Leaves[5] = bytes.Replace(m.Leaves[5], []byte("analytics"), []byte("marketing"), 1)
		},
		"delete": func(m *MemStore) {
			m.Leaves = append(m.Leaves[:5], m.Leaves[6:]...)
			m.Hashes = append(m.Hashes[:5], m.Hashes[6:]...)
		},
		"swap": func(m *MemStore) {
			m.Leaves[5], m.Leaves[6] = m.Leaves[6], m.Leaves[5]
			m.Hashes[5], m.Hashes[6] = m.Hashes[6], m.Hashes[5]
		},
		"insert": func(m *MemStore) {
			m.Leaves = append(m.Leaves[:5], append([][]byte{m.Leaves[2]}, m.Leaves[5:]...)...)
			m.Hashes = append(m.Hashes[:5], append([][]byte{m.Hashes[2]}, m.Hashes[5:]...)...)
		},
	}
	for name, f := range cases {
		c := &MemStore{Leaves: append([][]byte(nil), st.Leaves...), Hashes: append([][]byte(nil), st.Hashes...), Notes: st.Notes}
		f(c)
		_, err := Verify(ctx, c, vv, nil)
		var le *LeafError
		if !errors.As(err, &le) || le.Index != 5 {
			t.Errorf("%s: got %v, want bad leaf 5", name, err)
		}
	}
}

func TestAppenderConcurrent(t *testing.T) {
	st := &MemStore{}
	a := NewAppender(st)
	var wg sync.WaitGroup
	seen := make([]bool, 500)
	var mu sync.Mutex
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx, err := a.Append(context.Background(), Leaf{Act: ActExport, Actor: "op1"})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if seen[idx] {
				t.Errorf("index %d twice", idx)
			}
			seen[idx] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(st.Leaves) != 500 {
		t.Fatalf("got %d leaves", len(st.Leaves))
	}
	for i, lb := range st.Leaves {
		l, _ := ParseLeaf(lb)
		if l.Seq != uint64(i) {
			t.Fatalf("leaf %d has seq %d", i, l.Seq)
		}
	}
}

// A rewrite of leaf bytes together with its stored hash and sequence is
// caught by the signed checkpoints, at the first leaf after the last good one.
func TestVerifyRewrittenLeafAndHash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, v, err := LoadOrGenerateKeys(dir, "o")
	if err != nil {
		t.Fatal(err)
	}
	st := &MemStore{}
	a := NewAppender(st)
	cp := &Checkpointer{St: st, Origin: "o", Signer: s}
	for i := 0; i < 8; i++ {
		if _, err := a.Append(ctx, Leaf{Act: ActErasure, Actor: "system"}); err != nil {
			t.Fatal(err)
		}
		if i == 3 || i == 7 {
			cp.Checkpoint(ctx)
		}
	}
	l, _ := ParseLeaf(st.Leaves[4])
	l.Actor = "mallory"
	st.Leaves[4], _ = l.Canonical()
	st.Hashes[4] = LeafHash(st.Leaves[4])
	_, err = Verify(ctx, st, v, nil)
	var le *LeafError
	if !errors.As(err, &le) || le.Index != 4 {
		t.Fatalf("got %v, want bad leaf 4", err)
	}
}

// refVerifyConsistency follows RFC 9162 §2.1.4.2 with its own SHA-256 calls.
func refVerifyConsistency(m, n uint64, proof [][]byte, r1, r2 []byte) bool {
	node := func(a, b []byte) []byte { x := sha256.Sum256(append(append([]byte{1}, a...), b...)); return x[:] }
	if m == n {
		return len(proof) == 0 && bytes.Equal(r1, r2)
	}
	if m&(m-1) == 0 {
		proof = append([][]byte{r1}, proof...)
	}
	if len(proof) == 0 {
		return false
	}
	fn, sn := m-1, n-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			fr, sr = node(c, fr), node(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = node(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(fr, r1) && bytes.Equal(sr, r2)
}

func TestConsistencyProofsIndependent(t *testing.T) {
	st, _ := fill(t, 19)
	for n := uint64(1); n <= 19; n++ {
		for m := uint64(1); m <= n; m++ {
			p, err := ConsistencyProof(context.Background(), st, m, n)
			if err != nil {
				t.Fatal(err)
			}
			if !refVerifyConsistency(m, n, p, refMTH(st.Leaves[:m]), refMTH(st.Leaves[:n])) {
				t.Fatalf("consistency %d->%d rejected", m, n)
			}
			if m < n && refVerifyConsistency(m, n, p, refMTH(st.Leaves[:m]), refMTH(append([][]byte{[]byte("x")}, st.Leaves[1:n]...))) {
				t.Fatalf("consistency %d->%d accepted a different tree", m, n)
			}
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("steward/audit\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	f.Add("x\n-1\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCheckpoint(s)
		if err == nil && len(c.Root) != 32 {
			t.Fatal("accepted bad root")
		}
	})
}

func FuzzParseLeaf(f *testing.F) {
	f.Add([]byte(`{"act":"read","actor":"system","seq":1,"time":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseLeaf(b) //nolint:errcheck // must not panic
	})
}

// AppendAll stores a request's leaves in order and consecutively, alongside concurrent
// single appends, and every stored leaf is the one asked for.
func TestAppendAllInOrder(t *testing.T) {
	st := &MemStore{}
	a := NewAppender(st)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < 20; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			leaves := make([]Leaf, 7)
			for i := range leaves {
				leaves[i] = Leaf{Act: ActConsentChange, Actor: fmt.Sprintf("g%d", g), Purpose: fmt.Sprint(i)}
			}
			idx, err := a.AppendAll(ctx, leaves)
			if err != nil {
				t.Error(err)
				return
			}
			for i := range idx {
				if idx[i] != idx[0]+uint64(i) {
					t.Errorf("group %d: indexes %v not consecutive", g, idx)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := a.Append(ctx, Leaf{Act: ActRead, Actor: "single"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(st.Leaves) != 20*8 {
		t.Fatalf("got %d leaves, want %d", len(st.Leaves), 20*8)
	}
	next := map[string]int{}
	for i, b := range st.Leaves {
		l, err := ParseLeaf(b)
		if err != nil || l.Seq != uint64(i) {
			t.Fatalf("leaf %d: seq %d, err %v", i, l.Seq, err)
		}
		if l.Actor == "single" {
			continue
		}
		if l.Purpose != fmt.Sprint(next[l.Actor]) {
			t.Fatalf("leaf %d of %s is %s, want %d", i, l.Actor, l.Purpose, next[l.Actor])
		}
		next[l.Actor]++
	}
	if idx, err := a.AppendAll(ctx, nil); err != nil || len(idx) != 0 {
		t.Fatalf("empty AppendAll = %v, %v", idx, err)
	}
	if _, err := a.AppendAll(ctx, []Leaf{{Act: ActRead}}); err == nil {
		t.Fatal("a leaf without actor was stored")
	}
}
