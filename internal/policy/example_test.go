package policy_test

import (
	"fmt"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
)

func Example() {
	m := manifest.Default()
	d := policy.Compile(m, policy.DefaultConfig())
	// A Chinese shopper accepted analytics and advertising in the banner.
	s := d.Subject(policy.Facts{Country: "CN", Consents: m.Consents(map[string]bool{"Analytics": true, "Advertising": true})})
	for _, r := range []policy.Request{
		{Subject: s, Purpose: "analytics.reporting", Categories: []string{"user.behavior.browsing_history"}, Action: policy.Read},
		{Subject: s, Purpose: "personalize.content", Categories: []string{"user.behavior.browsing_history"}, Action: policy.Read},
		{Subject: s, Purpose: "marketing.advertising.profiling", Categories: []string{"user.health_and_medical"}, Action: policy.Profile},
		{Subject: s, Purpose: "marketing.advertising.first_party", Categories: []string{"user.contact.email"}, Action: policy.Activate},
	} {
		dec := d.Decide(r)
		fmt.Println(r.Purpose, dec.Effect, dec.Reason, dec.Mask)
	}
	// Output:
	// analytics.reporting allow consent_given []
	// personalize.content deny no_consent []
	// marketing.advertising.profiling deny sensitive_never_marketing []
	// marketing.advertising.first_party allow_masked identifiers_masked [user.contact.email]
}
