package app_test

import (
	"encoding/json"
	"testing"
	"time"
)

// A restriction of processing (GDPR Art. 18, PIPL Art. 44, RR-05) takes effect at once for
// every use of the person's data, not only in the privacy center's list: their profile may
// not be read for a marketing purpose, they leave audiences, and an operator's refusal with
// a reason gives everything back. On main before this test the ledger held the signal but
// neither the readers' policy facts nor the profile engine's standing looked at it, so the
// restricted person stayed in the advertising audience.
func TestRestrictionStopsProcessing(t *testing.T) {
	r := startApp(t)
	now := time.Now().UTC()
	r.track(t, plainBatch("rs-1", now, `"type":"identify","traits":{"email":"rs@example.com"}`))
	waitSubject(t, r, "rs-1")
	tok := r.session(t, "rs-1")
	const purpose = "marketing.advertising.profiling"
	if status, body := r.call(t, "POST", "/api/v1/me/consents", tok, `{"purpose":"`+purpose+`","granted":true}`); status != 204 {
		t.Fatalf("grant: %d %s", status, body)
	}
	r.track(t, plainBatch("rs-1", now.Add(time.Second), `"type":"track","event":"Product Viewed","properties":{"product_id":"p1","category":"toys"}`))
	profile := func() int {
		status, _ := r.call(t, "GET", "/api/v1/subjects/rs-1/profile?purpose="+purpose, r.admin, "")
		return status
	}
	audience := func() (size, noBasis int) {
		p := r.audiencePreview(t, `count("Product Viewed", 3650d) >= 1`, purpose)
		return p["size"], p["no_legal_basis"]
	}
	waitFor(t, func() bool { return profile() == 200 }, "the profile readable with consent")
	waitFor(t, func() bool { s, _ := audience(); return s == 1 }, "the person in the audience")

	status, body := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"restriction","jurisdiction":"EU"}`)
	if status != 201 {
		t.Fatalf("restriction: %d %s", status, body)
	}
	var req struct{ ID, State string }
	json.Unmarshal(body, &req)
	waitFor(t, func() bool { return profile() == 403 }, "the profile refused while restricted")
	waitFor(t, func() bool { s, n := audience(); return s == 0 && n == 1 }, "the restricted person out of the audience")

	// The operator refuses the restriction with a reason: processing resumes.
	if status, body := r.call(t, "POST", "/api/v1/rights-requests/"+req.ID+"/steps", r.admin, `{"state":"refused","reason":"the data is accurate"}`); status != 200 {
		t.Fatalf("refuse: %d %s", status, body)
	}
	waitFor(t, func() bool { return profile() == 200 }, "the profile readable once the restriction is lifted")
	waitFor(t, func() bool { s, _ := audience(); return s == 1 }, "the person back in the audience")
}
