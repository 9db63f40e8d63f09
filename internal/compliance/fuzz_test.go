package compliance_test

import (
	"testing"

	"github.com/stewardhq/steward/internal/compliance"
)

// FuzzVerify: whatever bytes arrive as a bundle, Verify answers with a result or a
// *VerifyError naming what failed, never a panic or another error.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	good := fx.build(f)
	f.Add(good)
	f.Add(good[:1024])
	f.Add([]byte{})
	f.Add(make([]byte, 1024))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := compliance.Verify(b, "")
		if err == nil {
			if res.Files == 0 || res.Checkpoints == 0 {
				t.Fatalf("verified with nothing in it: %+v", res)
			}
			return
		}
		if !compliance.IsVerifyError(err) {
			t.Fatalf("not a verification failure: %v", err)
		}
	})
}
