package anonymise_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// release is a released CSV as the checker reads it, with no help from the engine.
type release struct {
	kept     map[string][]int // output quasi-identifier tuple → rows
	supp     int
	keptRows int
}

// checkRelease re-reads the released CSV out and verifies it on its own terms, as an
// auditor would: same header and row count; non-quasi-identifiers unchanged; every
// quasi-identifier the label of the original value at the reported level, or "*" in every
// quasi-identifier of a suppressed record; at most the suppression limit suppressed and
// exactly as many as reported; and every equivalence class of the release meeting every
// model. The models are checked by the naive implementation from the released values.
func checkRelease(t fataler, nv *naive, out []byte, sep rune, levels []int, wantSuppressed int) release {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(out))
	cr.Comma = sep
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("release does not parse: %v", err)
	}
	if len(recs) != len(nv.rows)+1 || strings.Join(recs[0], "\x1f") != strings.Join(nv.header, "\x1f") {
		t.Fatalf("release has %d records and header %v; want %d and %v", len(recs), recs[0], len(nv.rows)+1, nv.header)
	}
	isQI := map[int]int{}
	for c, col := range nv.qis {
		isQI[col] = c
	}
	rel := release{kept: map[string][]int{}}
	for i, rec := range recs[1:] {
		orig := nv.rows[i]
		generalised, suppressed := true, true
		var key []string
		for col, v := range rec {
			c, qi := isQI[col]
			if !qi {
				if v != orig[col] {
					t.Fatalf("row %d: column %s changed", i+1, nv.header[col])
				}
				continue
			}
			key = append(key, v)
			if v != nv.label(orig, c, levels[c]) {
				generalised = false
			}
			if v != anonymise.Suppressed {
				suppressed = false
			}
		}
		switch {
		case generalised:
			k := strings.Join(key, "\x1f")
			rel.kept[k] = append(rel.kept[k], i)
			rel.keptRows++
		case suppressed:
			rel.supp++
		default:
			t.Fatalf("row %d: quasi-identifiers %v are neither the labels at levels %v nor suppressed", i+1, key, levels)
		}
	}
	limit := int(math.Floor(nv.cfg.Suppression*float64(len(nv.rows)) + 1e-9))
	if rel.supp != wantSuppressed || rel.supp > limit {
		t.Fatalf("release suppresses %d records; reported %d, limit %d", rel.supp, wantSuppressed, limit)
	}
	for k, members := range rel.kept {
		var sens []string
		if nv.sens >= 0 {
			for _, i := range members {
				sens = append(sens, recs[i+1][nv.sens])
			}
		}
		if nv.classFails(len(members), sens) {
			t.Fatalf("class %q of %d records fails the models %+v", k, len(members), nv.cfg)
		}
	}
	return rel
}

// TestCheckerCatchesBadReleases shows the checker can fail: a release with one class
// broken up, one suppressed record unmarked and one value changed are each rejected.
func TestCheckerCatchesBadReleases(t *testing.T) {
	header := []string{"age", "sex", "s"}
	rows := [][]string{{"20", "M", "a"}, {"25", "M", "b"}, {"30", "F", "a"}, {"35", "F", "b"}}
	age, _ := anonymise.NewHierarchy([][]string{{"20", "20-29", "*"}, {"25", "20-29", "*"}, {"30", "30-39", "*"}, {"35", "30-39", "*"}})
	sex, _ := anonymise.NewHierarchy([][]string{{"M", "*"}, {"F", "*"}})
	cfg := anonymise.Config{QuasiIdentifiers: []string{"age", "sex"}, K: 2, Hierarchies: map[string]*anonymise.Hierarchy{"age": age, "sex": sex}}
	nv := newNaive(header, rows, cfg)
	good := "age,sex,s\n20-29,M,a\n20-29,M,b\n30-39,F,a\n30-39,F,b\n"
	ft := &fakeT{}
	checkReleaseSafe(ft, nv, good, []int{1, 0}, 0)
	if ft.failed {
		t.Fatalf("good release rejected: %s", ft.msg)
	}
	for name, bad := range map[string]string{
		"class of one":        "age,sex,s\n20,M,a\n20-29,M,b\n30-39,F,a\n30-39,F,b\n",
		"wrong level":         "age,sex,s\n*,M,a\n*,M,b\n30-39,F,a\n30-39,F,b\n",
		"changed sensitive":   "age,sex,s\n20-29,M,b\n20-29,M,b\n30-39,F,a\n30-39,F,b\n",
		"unreported suppress": "age,sex,s\n*,*,a\n*,*,b\n30-39,F,a\n30-39,F,b\n",
	} {
		ft := &fakeT{}
		checkReleaseSafe(ft, nv, bad, []int{1, 0}, 0)
		if !ft.failed {
			t.Errorf("%s: bad release accepted", name)
		}
	}
}

// fataler is the part of testing.T the checker uses, so its own test can catch a failure.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

type fakeFail struct{}

// fakeT records the checker's first failure and stops it.
type fakeT struct {
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	panic(fakeFail{})
}

func checkReleaseSafe(ft *fakeT, nv *naive, out string, levels []int, supp int) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fakeFail); !ok {
				panic(r)
			}
		}
	}()
	checkRelease(ft, nv, []byte(out), ',', levels, supp)
}
