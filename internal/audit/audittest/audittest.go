// Package audittest is the conformance suite every audit.Store backend runs:
// appending, compare-and-swap, checkpoints, and tamper detection by editing
// the backend's tables directly with SQL.
package audittest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/stewardhq/steward/internal/audit"
)

// Backend is a fresh, migrated store plus a raw SQL executor on its database
// ($1-style placeholders) used to tamper with it.
type Backend struct {
	Store audit.Store
	Exec  func(ctx context.Context, sql string, args ...any) error
}

// Fill appends n leaves through an Appender and checkpoints every 4 leaves
// and at the end; it returns the verifier for the checkpoints.
func Fill(t *testing.T, st audit.Store, n int) note.Verifier {
	t.Helper()
	s, v, err := audit.LoadOrGenerateKeys(t.TempDir(), "steward.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	FillSigned(t, st, n, "steward.test/audit", s)
	return v
}

// FillSigned is Fill with the caller's checkpoint origin and signing key (a data
// directory's own, for `steward audit verify`).
func FillSigned(t *testing.T, st audit.Store, n int, origin string, s note.Signer) {
	t.Helper()
	ctx := context.Background()
	cp := &audit.Checkpointer{St: st, Origin: origin, Signer: s}
	a := audit.NewAppender(st)
	ps := audit.NewPseudonymizer([]byte("k"))
	rec := audit.NewRecorder(audit.RecorderConfig{Appender: a, Pseudonymizer: ps, Now: func() time.Time { return time.Unix(5, 0) }})
	for i := 0; i < n; i++ {
		if i == 5 {
			// Leaf 5 is an act about an audience: its membership is kept beside the log.
			if _, err := rec.RecordAudience(ctx, audit.Event{Act: audit.ActActivation, Actor: "system", Purpose: "analytics"},
				[]string{"a", "b", "c", "d", "e"}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := a.Append(ctx, audit.Leaf{Time: time.Unix(int64(i), 0), Act: audit.ActRead, Actor: "system", Subject: ps.Pseudonym(fmt.Sprint(i)), Purpose: "analytics"}); err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 || i == n-1 {
			if _, err := cp.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Tampers are SQL edits that each break leaf 5 of a 12-leaf log.
var Tampers = map[string][]string{
	// The audience leaf 5 commits to loses a member and gains another.
	"audience": {"UPDATE audit_audiences SET pseudonym = 'intruder' WHERE pos = 2"},
	"change":   {"UPDATE audit_leaves SET leaf = $1 WHERE idx = 5"},
	"delete":   {"DELETE FROM audit_leaves WHERE idx = 5"},
	"insert": {
		"UPDATE audit_leaves SET idx = idx + 1000 WHERE idx >= 5",
		"UPDATE audit_leaves SET idx = idx - 999 WHERE idx >= 1000",
		"INSERT INTO audit_leaves(idx, leaf, leaf_hash) SELECT 5, leaf, leaf_hash FROM audit_leaves WHERE idx = 2",
	},
	"swap": {
		"UPDATE audit_leaves SET idx = -1 WHERE idx = 5",
		"UPDATE audit_leaves SET idx = 5 WHERE idx = 6",
		"UPDATE audit_leaves SET idx = 6 WHERE idx = -1",
	},
}

// Run runs the conformance suite; open returns a fresh backend per call.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	t.Run("CompareAndSwap", func(t *testing.T) {
		b := open(t)
		if err := b.Store.AppendLeaves(ctx, 0, [][]byte{[]byte("a")}, [][]byte{audit.LeafHash([]byte("a"))}); err != nil {
			t.Fatal(err)
		}
		if err := b.Store.AppendLeaves(ctx, 0, [][]byte{[]byte("b")}, [][]byte{audit.LeafHash([]byte("b"))}); !errors.Is(err, audit.ErrSizeMismatch) {
			t.Fatalf("stale append: %v", err)
		}
		if n, _ := b.Store.Size(ctx); n != 1 {
			t.Fatalf("size %d", n)
		}
	})
	t.Run("ConcurrentAppenders", func(t *testing.T) {
		b := open(t)
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			a := audit.NewAppender(b.Store) // two writers, as two processes would be
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := a.Append(ctx, audit.Leaf{Act: audit.ActExport, Actor: "op"}); err != nil {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		n, _ := b.Store.Size(ctx)
		if n != 100 {
			t.Fatalf("size %d", n)
		}
		ls, _, _ := b.Store.ReadLeaves(ctx, 0, n)
		for i, lb := range ls {
			if l, _ := audit.ParseLeaf(lb); l.Seq != uint64(i) {
				t.Fatalf("leaf %d has seq %d", i, l.Seq)
			}
		}
	})
	for name := range Tampers {
		t.Run("Tamper/"+name, func(t *testing.T) {
			b := open(t)
			v := Fill(t, b.Store, 12)
			if err := Tamper(ctx, b, name); err != nil {
				t.Fatal(err)
			}
			_, err := audit.Verify(ctx, b.Store, v, nil)
			var le *audit.LeafError
			if !errors.As(err, &le) || le.Index != 5 {
				t.Fatalf("got %v, want bad leaf 5", err)
			}
		})
	}
	t.Run("Untouched", func(t *testing.T) {
		b := open(t)
		v := Fill(t, b.Store, 12)
		r, err := audit.Verify(ctx, b.Store, v, nil)
		if err != nil || r.Leaves != 12 {
			t.Fatalf("%v %+v", err, r)
		}
	})
}

// Tamper applies the named tamper to b.
func Tamper(ctx context.Context, b Backend, name string) error {
	for _, q := range Tampers[name] {
		var args []any
		if bytes.Contains([]byte(q), []byte("$1")) {
			ls, _, err := b.Store.ReadLeaves(ctx, 5, 6)
			if err != nil || len(ls) != 1 {
				return fmt.Errorf("read leaf 5: %v", err)
			}
			args = []any{bytes.Replace(ls[0], []byte("analytics"), []byte("marketing"), 1)}
		}
		if err := b.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
