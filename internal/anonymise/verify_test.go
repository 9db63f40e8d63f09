package anonymise_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// verifyRelease runs the auditor's Verify on a release the engine wrote.
func verifyRelease(t *testing.T, name string, out []byte, cfg anonymise.Config, got *anonymise.Result) {
	t.Helper()
	v, err := anonymise.Verify(bytes.NewReader(out), ',', anonymise.Claim{QuasiIdentifiers: cfg.QuasiIdentifiers, Sensitive: cfg.Sensitive,
		K: cfg.K, LDiversity: cfg.LDiversity, TCloseness: cfg.TCloseness, Suppression: cfg.Suppression})
	if err != nil {
		t.Fatalf("%s: Verify refuses the engine's release at %v: %v", name, got.Levels, err)
	}
	top := true
	for _, h := range got.Levels {
		top = top && h > 0
	}
	switch {
	case v.SuppressedStarred && v.Starred != got.Suppressed:
		t.Fatalf("%s: Verify finds %d suppressed, the engine %d", name, v.Starred, got.Suppressed)
	case !v.SuppressedStarred && got.Suppressed > 0 && v.Starred < got.Suppressed:
		t.Fatalf("%s: %d suppressed but only %d starred", name, got.Suppressed, v.Starred)
	case v.Classes+boolInt(v.SuppressedStarred) != got.Classes+boolInt(got.Suppressed > 0) && !top:
		t.Fatalf("%s: Verify finds %d classes (+ suppressed %v), the engine %d (+ %d suppressed)", name, v.Classes, v.SuppressedStarred, got.Classes, got.Suppressed)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Verify refuses what is not anonymous, naming the line and the model, and accepts what is
// (SD-03: an anonymised export fails if any group is smaller than k).
func TestVerifyCatchesBadReleases(t *testing.T) {
	claim := anonymise.Claim{QuasiIdentifiers: []string{"age", "sex"}, Sensitive: "s", K: 2, Suppression: 0.25,
		LDiversity: &anonymise.LDiversity{L: 2}}
	good := "age,sex,s\n20-29,M,a\n30-39,F,a\n20-29,M,b\n30-39,F,b\n*,*,a\n"
	v, err := anonymise.Verify(strings.NewReader(good), 0, claim)
	if err != nil || v.Records != 5 || v.Classes != 2 || v.SmallestClass != 2 || v.Starred != 1 || !v.SuppressedStarred {
		t.Fatalf("good release: %+v %v", v, err)
	}
	for _, c := range []struct{ name, file, want string }{
		{"class of one", "age,sex,s\n20-29,M,a\n20,M,b\n30-39,F,a\n30-39,F,b\n", `line 2: the class of 1 records "20-29, M" fails 2-anonymity`},
		{"homogeneous", "age,sex,s\n20-29,M,a\n20-29,M,a\n30-39,F,a\n30-39,F,b\n", `line 2: the class of 2 records "20-29, M" fails distinct 2-diversity of`},
		{"too many suppressed", "age,sex,s\n*,*,a\n*,*,a\n30-39,F,a\n30-39,F,b\n", "line 2: 2 records are suppressed"},
		{"no records", "age,sex,s\n", "the release has no records"},
	} {
		_, err := anonymise.Verify(strings.NewReader(c.file), ',', claim)
		var ve *anonymise.VerifyError
		if !errors.As(err, &ve) || !errors.Is(err, anonymise.ErrNotAnonymous) || !strings.Contains(err.Error(), strings.TrimSuffix(c.want, " of")) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// t-closeness: the class {a, a} is 0.5 away from the file's {a: 1/2, b: 1/2}.
	tc := anonymise.Claim{QuasiIdentifiers: []string{"q"}, Sensitive: "s", K: 2, TCloseness: &anonymise.TCloseness{T: 0.4}}
	if _, err := anonymise.Verify(strings.NewReader("q,s\nx,a\nx,a\ny,b\ny,b\n"), ',', tc); !errors.Is(err, anonymise.ErrNotAnonymous) || !strings.Contains(err.Error(), "0.4-closeness") {
		t.Fatalf("t-closeness: %v", err)
	}
	tc.TCloseness.T = 0.5
	if _, err := anonymise.Verify(strings.NewReader("q,s\nx,a\nx,a\ny,b\ny,b\n"), ',', tc); err != nil {
		t.Fatalf("t = 0.5: %v", err)
	}
	// Claims naming what is not there are configuration errors, not verdicts.
	for _, bad := range []anonymise.Claim{{QuasiIdentifiers: []string{"nope"}, K: 2}, {QuasiIdentifiers: []string{"q"}, K: 0},
		{QuasiIdentifiers: []string{"q"}, K: 2, Sensitive: "nope"}, {QuasiIdentifiers: []string{"q"}, K: 2, LDiversity: &anonymise.LDiversity{L: 2}}} {
		if _, err := anonymise.Verify(strings.NewReader("q,s\nx,a\n"), ',', bad); !errors.Is(err, anonymise.ErrConfig) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := anonymise.Verify(strings.NewReader("q,s\nx\n"), ',', anonymise.Claim{QuasiIdentifiers: []string{"q"}, K: 1}); !errors.Is(err, anonymise.ErrSyntax) {
		t.Fatalf("ragged file: %v", err)
	}
}
