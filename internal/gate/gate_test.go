package gate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/store"
)

// fakeRules: Product Viewed is browsing history for analytics or personalisation;
// traits.email is contact data for the service; context.ip for analytics only.
type fakeRules struct{}

func (fakeRules) EventType(t, ev string) string {
	if t == "track" && ev == "Product Viewed" {
		return "Product Viewed"
	}
	if t == "identify" {
		return "identify"
	}
	return ""
}

func (fakeRules) EventUses(et string) []gate.Use {
	if et == "identify" {
		return []gate.Use{{Category: "user.contact.email", Purposes: []string{"essential.service"}}}
	}
	return []gate.Use{{Category: "user.behavior.browsing_history", Purposes: []string{"analytics.reporting"}},
		{Category: "user.device.cookie_id", Purposes: []string{"marketing.advertising.third_party.targeted"}}}
}

func (fakeRules) Field(et, path string) (string, []string, bool) {
	switch path {
	case "properties.product_id":
		return "user.behavior.browsing_history", []string{"analytics.reporting"}, true
	case "context.ip":
		return "user.device.ip_address", []string{"analytics.reporting"}, true
	case "traits.email":
		return "user.contact.email", []string{"essential.service"}, true
	case "properties.ad_click_id":
		return "user.device.cookie_id", []string{"marketing.advertising.third_party.targeted"}, true
	}
	return "", nil, false
}

func (fakeRules) Purposes() []string {
	return []string{"analytics.reporting", "marketing.advertising.third_party.targeted", "essential.service"}
}

func (fakeRules) ConsentPurposes(cat string) []string {
	switch cat {
	case "Analytics":
		return []string{"analytics.reporting"}
	case "Advertising":
		return []string{"marketing.advertising.third_party.targeted"}
	}
	return nil
}

// fakeDecider: consent purposes need consent; essential.service is contract; GPC stops
// targeted advertising whatever the consent says.
type fakeDecider struct{}

func (fakeDecider) For(s *gate.Signals) func(string, string) (bool, string) {
	return func(purpose, category string) (bool, string) {
		if purpose == "essential.service" {
			return true, ""
		}
		if s.GPC && strings.HasPrefix(purpose, "marketing.advertising") {
			return false, "gpc_opt_out"
		}
		if !s.Consents[purpose] {
			return false, "no_consent"
		}
		return true, ""
	}
}

type stored map[string]map[string]bool

func (s stored) Stored(_ context.Context, id string) (gate.Stored, error) {
	return gate.Stored{Consents: s[id]}, nil
}

func (s stored) Records(string, gate.Stored, gate.Stored, gate.Origin) ([]store.ConsentRecord, error) {
	return nil, nil
}

// Separate: targeted advertising by others needs a consent of its own (as in the default
// manifest); Alimama Ads serves it.
func (fakeRules) Separate(p string) bool { return p == "marketing.advertising.third_party.targeted" }

func (fakeRules) Serves(recipient, p string) bool {
	return recipient == "Alimama Ads" && p == "marketing.advertising.third_party.targeted"
}

func decode(t *testing.T, body string, gpcHeader bool) *segmentspec.Request {
	t.Helper()
	in := segmentspec.Input{Body: []byte(body), BasicUser: "wk", GPC: gpcHeader}
	ep := segmentspec.EndpointTrack
	if strings.Contains(body, `"type":"identify"`) {
		ep = segmentspec.EndpointIdentify
	}
	req, err := segmentspec.Decode(in, ep, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), segmentspec.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestGate(t *testing.T) {
	const view = `{"type":"track","event":"Product Viewed","anonymousId":"a1","properties":{"product_id":"p1","ad_click_id":"c9","colour":"red"},"context":{"ip":"203.0.113.9"%s}}`
	g := gate.New(fakeRules{}, fakeDecider{}, stored{"sub_consented": {"analytics.reporting": true, "marketing.advertising.third_party.targeted": true}})
	ctx := context.Background()
	cases := []struct {
		name, subject, ctxExtra string
		gpc                     bool
		keep                    bool
		reason                  string
		has, hasNot             []string
	}{
		{name: "no consent anywhere: default deny", subject: "sub_new", keep: false, reason: "no_consent"},
		{name: "message grants analytics", subject: "sub_new", ctxExtra: `,"consent":{"categoryPreferences":{"Analytics":true}}`, keep: true,
			has: []string{`"product_id":"p1"`, `"ip":"203.0.113.9"`, `"anonymousId":"a1"`}, hasNot: []string{"c9", "red"}},
		{name: "stored consent, advertising allowed", subject: "sub_consented", keep: true, has: []string{"c9", "p1"}, hasNot: []string{"red"}},
		{name: "GPC header strips targeted advertising", subject: "sub_consented", gpc: true, keep: true, has: []string{"p1"}, hasNot: []string{"c9"}},
		{name: "context.gpc strips targeted advertising", subject: "sub_consented", ctxExtra: `,"gpc":true`, keep: true, has: []string{"p1"}, hasNot: []string{"c9"}},
		{name: "message withdrawal beats stored grant", subject: "sub_consented",
			ctxExtra: `,"consent":{"categoryPreferences":{"Analytics":false,"Advertising":false}}`, keep: false, reason: "no_consent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := decode(t, strings.Replace(view, "%s", c.ctxExtra, 1), c.gpc)
			v, err := g.Check(ctx, c.subject, &req.Messages[0], req)
			if err != nil {
				t.Fatal(err)
			}
			if v.Keep != c.keep || (!c.keep && v.Reason != c.reason) {
				t.Fatalf("verdict = keep %v reason %q, want keep %v reason %q", v.Keep, v.Reason, c.keep, c.reason)
			}
			for _, s := range c.has {
				if !strings.Contains(string(v.Body), s) {
					t.Errorf("body lacks %s: %s", s, v.Body)
				}
			}
			for _, s := range c.hasNot {
				if strings.Contains(string(v.Body), s) {
					t.Errorf("body keeps %s: %s", s, v.Body)
				}
			}
		})
	}
	req := decode(t, `{"type":"track","event":"Secret Thing","anonymousId":"a"}`, false)
	if v, _ := g.Check(ctx, "s", &req.Messages[0], req); v.Keep || v.Reason != gate.ReasonNotInManifest {
		t.Fatalf("unknown event: %+v", v)
	}
	req = decode(t, `{"type":"identify","userId":"u1","traits":{"email":"li@example.com","birthday":"2015-03-01"}}`, false)
	v, _ := g.Check(ctx, "s", &req.Messages[0], req)
	if !v.Keep || !strings.Contains(string(v.Body), "li@example.com") || strings.Contains(string(v.Body), "2015") {
		t.Fatalf("identify: %+v %s", v, v.Body)
	}
}

// A TC string in context.consent.tcString grants exactly the manifest purposes whose TCF
// purposes are all consented (strings from IAB's reference library).
func TestGateTCString(t *testing.T) {
	g := gate.New(fakeRules{}, fakeDecider{}, stored{})
	ctx := context.Background()
	const view = `{"type":"track","event":"Product Viewed","anonymousId":"a1","properties":{"product_id":"p1","ad_click_id":"c9"},"context":{"consent":{"tcString":"%s"}}}`
	// Purposes 1, 3, 4: targeted advertising yes, analytics (7, 8, 9) no.
	req := decode(t, strings.Replace(view, "%s", "CQgcD4AQgcD4AAHABANLBkFAALAAAAAAABpYHCQAoAAgV5AyADhADIgAwBkAMgAA.IH0QAYAAgfQA", 1), false)
	v, err := g.Check(ctx, "s", &req.Messages[0], req)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Keep || !strings.Contains(string(v.Body), "c9") || strings.Contains(string(v.Body), "p1") {
		t.Fatalf("range-contiguous: %+v %s", v, v.Body)
	}
	// Accept all: both.
	req = decode(t, strings.Replace(view, "%s", "CQgcD4AQgcD4AAKADBENBkFMAP_gAEPgAAwIAUP______AChJJJJJJIAAAAA.IAUP______AA", 1), false)
	v, _ = g.Check(ctx, "s", &req.Messages[0], req)
	if !v.Keep || !strings.Contains(string(v.Body), "c9") || !strings.Contains(string(v.Body), "p1") {
		t.Fatalf("accept-all: %+v %s", v, v.Body)
	}
	// Legitimate interest for purposes 3-6 (a TCF 2.2 policy violation IAB's library still
	// encodes): decoded, but those bits are not granted (issue 17).
	req = decode(t, strings.Replace(view, "%s", "CQgcD4AQgcD4AAqABAENBkFAAIAAAHwAAAAAAAoAAoAA.IAAo", 1), false)
	if v, _ := g.Check(ctx, "s", &req.Messages[0], req); v.Keep && strings.Contains(string(v.Body), "c9") {
		t.Fatalf("legitimate interest for purposes 3-6 granted advertising: %s", v.Body)
	}
	// A malformed string grants nothing.
	req = decode(t, strings.Replace(view, "%s", "not-a-tc-string", 1), false)
	if v, _ := g.Check(ctx, "s", &req.Messages[0], req); v.Keep {
		t.Fatalf("malformed TC string granted: %s", v.Body)
	}
}

// A bundled grant — "accept all", a consent manager's category flag — never grants a purpose
// that needs separate consent; an explicit separate consent naming a recipient that serves
// the purpose does, and one naming anyone else does not (issue 16 item 2; PIPL Art. 23).
func TestSeparateConsentIsItsOwnAct(t *testing.T) {
	g := gate.New(fakeRules{}, fakeDecider{}, stored{})
	ctx := context.Background()
	const view = `{"type":"track","event":"Product Viewed","anonymousId":"a1","properties":{"product_id":"p1","ad_click_id":"c9"},"context":{"consent":%s}}`
	check := func(consent string) gate.Verdict {
		t.Helper()
		req := decode(t, strings.Replace(view, "%s", consent, 1), false)
		v, err := g.Check(ctx, "s", &req.Messages[0], req)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := check(`{"categoryPreferences":{"Analytics":true,"Advertising":true}}`); !v.Keep || strings.Contains(string(v.Body), "c9") {
		t.Fatalf("a bundled flag granted targeted advertising by others: %+v %s", v, v.Body)
	}
	if v := check(`{"categoryPreferences":{"Analytics":true},"separate":[{"purpose":"marketing.advertising.third_party.targeted","recipient":"Alimama Ads","granted":true}]}`); !strings.Contains(string(v.Body), "c9") {
		t.Fatalf("a separate consent naming the recipient did not count: %+v %s", v, v.Body)
	}
	if v := check(`{"categoryPreferences":{"Analytics":true},"separate":[{"purpose":"marketing.advertising.third_party.targeted","recipient":"Somebody Else","granted":true}]}`); strings.Contains(string(v.Body), "c9") {
		t.Fatalf("a separate consent naming an undeclared recipient counted: %s", v.Body)
	}
}

// verified is a consent reader whose state in force came from the person's verified choices.
type verified struct{ consents map[string]bool }

func (v verified) Stored(context.Context, string) (gate.Stored, error) {
	ver := map[string]bool{}
	for p := range v.consents {
		ver[p] = true
	}
	return gate.Stored{Consents: v.consents, Verified: ver}, nil
}

func (verified) Records(string, gate.Stored, gate.Stored, gate.Origin) ([]store.ConsentRecord, error) {
	return nil, nil
}

// A withdrawal made in the privacy center is not undone by an unauthenticated client signal
// (the write key is public); the client may still withdraw more (issue 17, consent precedence).
func TestVerifiedWithdrawalIsNotUndoneByClient(t *testing.T) {
	g := gate.New(fakeRules{}, fakeDecider{}, verified{map[string]bool{"analytics.reporting": false}})
	req := decode(t, `{"type":"track","event":"Product Viewed","anonymousId":"a1","properties":{"product_id":"p1"},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}}`, false)
	v, err := g.Check(context.Background(), "s", &req.Messages[0], req)
	if err != nil {
		t.Fatal(err)
	}
	if v.Keep {
		t.Fatalf("a client signal undid a verified withdrawal: %s", v.Body)
	}
	g = gate.New(fakeRules{}, fakeDecider{}, verified{map[string]bool{"analytics.reporting": true}})
	req = decode(t, `{"type":"track","event":"Product Viewed","anonymousId":"a1","properties":{"product_id":"p1"},"context":{"consent":{"categoryPreferences":{"Analytics":false}}}}`, false)
	if v, _ := g.Check(context.Background(), "s", &req.Messages[0], req); v.Keep {
		t.Fatal("a client withdrawal of a verified grant did not count")
	}
}
