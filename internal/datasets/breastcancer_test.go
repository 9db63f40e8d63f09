package datasets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/datasets"
)

func TestBreastCancer(t *testing.T) {
	d, err := datasets.LoadBreastCancer()
	if errors.Is(err, datasets.ErrMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(d.X) != 569 || len(d.X[0]) != 30 {
		t.Fatalf("%d rows of %d", len(d.X), len(d.X[0]))
	}
	benign := 0
	for _, y := range d.Y {
		benign += y
	}
	if benign != 357 {
		t.Fatalf("%d benign, want 357", benign)
	}
	for _, bad := range []string{"", "2,1\n1,0\n", "1,1\n1,2\n", "1,1\nNaN,1\n", "1,1\n1,1\n2,0\n"} {
		if _, err := datasets.ParseBreastCancer(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseBreastCancer(f *testing.F) {
	f.Add("2,2,a,b\n1,2,0\n3.5,4e2,1\n")
	f.Add("1,1\n1,1\n")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := datasets.ParseBreastCancer(strings.NewReader(s))
		if err == nil && len(d.X) != len(d.Y) {
			t.Fatal("rows and labels differ")
		}
	})
}
