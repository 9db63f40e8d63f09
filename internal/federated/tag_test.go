package federated_test

import (
	"math"
	"testing"

	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/manifest"
)

func TestModelTagReadsTheLogitTrait(t *testing.T) {
	tag := federated.ModelTag("joint_buyer", "fl_logit", "marketing.advertising.profiling", []string{"user.behavior.purchase_history"}, 0.5)
	terms, _, err := tag.Terms()
	if err != nil || len(terms) != 1 {
		t.Fatalf("terms %v: %v", terms, err)
	}
	if tag.Kind != manifest.TagModel || tag.Model.Features[0].Weight != 1 || tag.Model.Intercept != 0 {
		t.Fatalf("tag %+v", tag)
	}
	// The profile engine's score of a logit z through this tag is σ(z).
	z := 1.7
	if got := 1 / (1 + math.Exp(-(tag.Model.Intercept + tag.Model.Features[0].Weight*z))); math.Abs(got-federated.Sigmoid(z)) > 1e-12 {
		t.Fatal(got)
	}
}
