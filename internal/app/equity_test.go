package app_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// plainBatch is one message from the shop's server about a signed-in customer, carrying no
// consent signal (so the person's tier stays what they chose).
func plainBatch(user string, at time.Time, msg string) string {
	return fmt.Sprintf(`{"batch":[{%s,"userId":%q,"messageId":"%s-%d","timestamp":%q}]}`, msg, user, user, at.UnixNano(), at.Format(time.RFC3339Nano))
}

type tierDoc struct {
	Tier   string `json:"tier"`
	OwnMix bool   `json:"own_mix"`
	Tiers  []struct {
		Name     string   `json:"name"`
		Purposes []string `json:"purposes"`
		Benefits []struct {
			Kind  string `json:"kind"`
			Label string `json:"label"`
		} `json:"benefits"`
		Current bool `json:"current"`
	} `json:"tiers"`
	Balance      int64           `json:"balance"`
	Subscription *struct{}       `json:"subscription"`
	Offer        json.RawMessage `json:"offer"`
}

func (r *running) myTier(t *testing.T, tok string) tierDoc {
	t.Helper()
	status, body := r.call(t, "GET", "/api/v1/me/tier", tok, "")
	if status != 200 {
		t.Fatalf("GET /me/tier: %d %s", status, body)
	}
	var d tierDoc
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *running) chooseTier(t *testing.T, tok, tier string) []map[string]any {
	t.Helper()
	status, body := r.call(t, "POST", "/api/v1/me/tier", tok, `{"tier":"`+tier+`"}`)
	if status != 200 {
		t.Fatalf("POST /me/tier %s: %d %s", tier, status, body)
	}
	var out struct {
		Changes  []map[string]any `json:"changes"`
		Standing tierDoc          `json:"standing"`
	}
	json.Unmarshal(body, &out)
	if out.Standing.Tier != tier {
		t.Fatalf("after choosing %s the standing says %q", tier, out.Standing.Tier)
	}
	return out.Changes
}

// The contract of issue 25 item 5, end to end: the tier follows the consents; choosing
// one records the matching consents; the tiers come from most to least sharing; points
// start at zero; a purchase beyond the balance is refused; the shop's backend records a
// paid subscription, after which no advertising purpose applies to the person — profiles,
// audiences — while their consents stay as they were.
func TestTiersPointsAndSubscriptionThroughTheAPI(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	now := time.Now().UTC()
	r.track(t, `{"batch":[{"type":"identify","userId":"eq-1","traits":{"email":"eq-1@example.com"}}]}`)
	tok := r.session(t, "eq-1")

	status, raw := r.call(t, "GET", "/api/v1/me/tier", tok, "")
	if status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	var shape map[string]any
	json.Unmarshal(raw, &shape)
	first := shape["tiers"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "purposes", "benefits"} {
		if _, ok := first[k]; !ok {
			t.Fatalf("a tier lacks %q: %s", k, raw)
		}
	}
	d := r.myTier(t, tok)
	var names []string
	for _, x := range d.Tiers {
		names = append(names, x.Name)
	}
	if strings.Join(names, ",") != "contributor,engaged,personalised,statistics_only,conservative" || d.Tier != "conservative" {
		t.Fatalf("tiers %v, tier %q", names, d.Tier)
	}
	for i := 1; i < len(d.Tiers); i++ {
		if len(d.Tiers[i].Purposes) >= len(d.Tiers[i-1].Purposes) {
			t.Fatalf("tier %s shares no less than %s", d.Tiers[i].Name, d.Tiers[i-1].Name)
		}
	}

	if ch := r.chooseTier(t, tok, "contributor"); len(ch) != 6 {
		t.Fatalf("up to contributor: %v", ch)
	}
	r.track(t, plainBatch("eq-1", now, `"type":"track","event":"Product Viewed","properties":{"product_id":"p1","category":"toys"}`))
	// The privacy center's consent list says the same as the tier.
	_, granted := r.meDoc(t, tok)
	for _, p := range d.Tiers[0].Purposes {
		if !granted[p] {
			t.Fatalf("contributor chosen but %s not granted: %v", p, granted)
		}
	}
	if status, body := r.call(t, "POST", "/api/v1/me/tier", tok, `{"tier":"gold"}`); status != 400 {
		t.Fatalf("unknown tier: %d %s", status, body)
	}

	status, raw = r.call(t, "GET", "/api/v1/me/points", tok, "")
	if status != 200 || !strings.Contains(string(raw), `"balance":0`) || !strings.Contains(string(raw), `"entries":[]`) {
		t.Fatalf("points: %d %s", status, raw)
	}
	if status, body := r.call(t, "POST", "/api/v1/me/subscription", tok, `{"months":1}`); status != 409 || !strings.Contains(string(body), "insufficient_points") {
		t.Fatalf("a purchase without points: %d %s", status, body)
	}

	sub := waitSubject(t, r, "eq-1")
	profile := func(purpose string) int {
		st, _ := r.call(t, "GET", "/api/v1/subjects/eq-1/profile?purpose="+purpose, r.admin, "")
		return st
	}
	waitFor(t, func() bool { return profile("marketing.advertising.profiling") == 200 }, "the advertising profile readable after consent")
	preview := func() map[string]int {
		return r.audiencePreview(t, `count("Product Viewed", 3650d) >= 1`, "marketing.advertising.profiling")
	}
	waitFor(t, func() bool { p := preview(); return p["size"] == 1 && p["ad_free"] == 0 }, "the contributor in the advertising audience")

	if status, body := r.call(t, "POST", "/api/v1/subjects/eq-1/subscriptions", r.admin, `{"months":1}`); status != 400 {
		t.Fatalf("a paid subscription without a payment reference: %d %s", status, body)
	}
	if status, body := r.call(t, "POST", "/api/v1/subjects/eq-1/subscriptions", r.admin, `{"months":1,"ref":"order-9917"}`); status != 201 {
		t.Fatalf("paid subscription: %d %s", status, body)
	}
	if d := r.myTier(t, tok); d.Subscription == nil || d.Tier != "contributor" {
		t.Fatalf("after the subscription: %+v", d)
	}
	waitFor(t, func() bool { return profile("marketing.advertising.profiling") == 403 }, "the advertising profile closed by the subscription")
	if st := profile("personalize.content"); st != 200 {
		t.Fatalf("recommendations are not advertising: %d", st)
	}
	waitFor(t, func() bool { p := preview(); return p["size"] == 0 && p["ad_free"] == 1 }, "the subscriber left the advertising audience, counted as ad_free")
	st, _ := r.app.Ledger.Current(t.Context(), sub)
	if !st.Granted("marketing.advertising.profiling") {
		t.Fatal("the subscription changed the consents under it")
	}
}

// The non-discrimination guard (issue 25 item 6; PIPL Art. 16, GB/T 35273 §5.3, CCPA
// §1798.125, RR-06): five people, one in each tier, get the same essential service — the
// policy answers every purpose that does not rest on consent the same, and their order is
// kept and readable for delivery the same —, the same prices (offer and notice), and the
// same handling of their rights (request state and deadline, export).
func TestNonDiscriminationAcrossTiers(t *testing.T) {
	r := startApp(t)
	tiers := []string{"contributor", "engaged", "personalised", "statistics_only", "conservative"}
	now := time.Now().UTC()
	type seen struct {
		decisions, order, offer, request string
		export                           int
	}
	got := map[string]seen{}
	pd := r.app.Regime.Current().Policy()
	m := r.app.Regime.Current().Manifest()
	for i, tier := range tiers {
		user := fmt.Sprintf("nd-%d", i)
		r.track(t, `{"batch":[{"type":"identify","userId":"`+user+`","traits":{"email":"`+user+`@example.com"}}]}`)
		tok := r.session(t, user)
		r.chooseTier(t, tok, tier)
		sub := waitSubject(t, r, user)

		// Essential service: every purpose that does not rest on consent, every category.
		st, _ := r.app.Ledger.Current(t.Context(), sub)
		subj := pd.Subject(policy.Facts{Consents: st.Purposes(), Country: "CN"})
		var dec []string
		for _, p := range m.Taxonomy.Purposes() {
			if p.Basis == taxonomy.Consent {
				continue
			}
			for _, c := range []string{"user.contact.email", "user.behavior.purchase_history", "user.contact.address.city", "system.operations"} {
				for _, a := range []policy.Action{policy.Collect, policy.Store, policy.Read} {
					d := pd.Decide(policy.Request{Subject: subj, Purpose: p.Key, Categories: []string{c}, Action: a})
					dec = append(dec, fmt.Sprintf("%s/%s/%d=%s", p.Key, c, a, d.Effect))
				}
			}
		}
		// The order is kept and the shop can deliver it.
		r.track(t, plainBatch(user, now, `"type":"track","event":"Order Completed","properties":{"order_id":"o-`+user+`","total":99,"revenue":99,"shipping":"express","currency":"CNY"}`))
		var fields []string
		waitFor(t, func() bool {
			status, body := r.call(t, "GET", "/api/v1/subjects/"+user+"/events?purpose=essential.service", r.admin, "")
			if status != 200 {
				return false
			}
			var ev struct {
				Events []struct {
					Name   string
					Fields map[string]any
				}
			}
			json.Unmarshal(body, &ev)
			fields = nil
			for _, e := range ev.Events {
				if props, ok := e.Fields["properties"].(map[string]any); ok && e.Name == "Order Completed" {
					for k, v := range props {
						fields = append(fields, fmt.Sprintf("%s=%v", k, strings.ReplaceAll(fmt.Sprint(v), user, "X")))
					}
				}
			}
			return len(fields) > 0
		}, "the order of "+user)
		sort.Strings(fields)
		// Prices: the offer a person sees.
		d := r.myTier(t, tok)
		// Rights: an access request and the export.
		status, body := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"access"}`)
		if status != 201 {
			t.Fatalf("%s: access request %d %s", tier, status, body)
		}
		var rq struct {
			State, Jurisdiction string
			ReceivedAt          time.Time `json:"received_at"`
			Deadline            time.Time
		}
		json.Unmarshal(body, &rq)
		exp, _ := r.call(t, "GET", "/api/v1/me/export", tok, "")
		got[tier] = seen{decisions: strings.Join(dec, ","), order: strings.Join(fields, ","), offer: string(d.Offer),
			request: fmt.Sprintf("%s %s %s", rq.State, rq.Jurisdiction, rq.Deadline.Sub(rq.ReceivedAt).Round(time.Hour)), export: exp}
	}
	base := got[tiers[0]]
	if base.order == "" || !strings.Contains(base.order, "order_id=o-X") || base.export != 200 || base.offer == "" {
		t.Fatalf("the baseline itself is empty: %+v", base)
	}
	for _, tier := range tiers[1:] {
		g := got[tier]
		if g.decisions != base.decisions {
			t.Errorf("%s: essential decisions differ from %s", tier, tiers[0])
		}
		if g.order != base.order {
			t.Errorf("%s: the order as delivery sees it differs: %s vs %s", tier, g.order, base.order)
		}
		if g.offer != base.offer {
			t.Errorf("%s: the subscription offer differs: %s vs %s", tier, g.offer, base.offer)
		}
		if !reflect.DeepEqual(g.request, base.request) || g.export != base.export {
			t.Errorf("%s: rights handled differently: %s/%d vs %s/%d", tier, g.request, g.export, base.request, base.export)
		}
	}
	// And the manifest can say nothing else: a tier that removes a service or discounts is
	// refused at publish time with its place.
	doc := strings.Replace(string(manifest.DefaultYAML()), "version: 1\n", "version: 2\n", 1)
	doc = strings.Replace(doc, "    benefits:\n      - {kind: ad_free", "    removes: [express_delivery]\n    benefits:\n      - {kind: ad_free", 1)
	if status, body := r.putYAML(t, doc); status != 400 || !strings.Contains(string(body), "declining optional processing never costs a service") || !strings.Contains(string(body), `"line"`) {
		t.Fatalf("a tier removing a service was published: %d %s", status, body)
	}
}

// The full notice carries the notice of financial incentive (issue 25 item 4; CCPA §7016):
// each tier with what it asks, gives and is worth and how that was estimated, the
// subscription on offer, and the terms — how to join, how to leave, no claw-back.
func TestNoticeOfFinancialIncentive(t *testing.T) {
	r := startApp(t)
	for _, c := range []struct{ lang, label, term string }{
		{"en", "Data contributor", "as easily as you joined"},
		{"zh-CN", "数据贡献者", "与加入一样简单"},
	} {
		status, body := r.call(t, "GET", "/sdk/notice.json?lang="+c.lang, "", "")
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var n struct {
			Incentives struct {
				Summary string
				Tiers   []struct {
					Name, Label    string
					Purposes       []string
					PointsPerMonth int64 `json:"points_per_month"`
					Value          *struct {
						Amount           float64
						Currency, Method string
					}
				}
				Subscription *struct {
					PointsPerMonth int64 `json:"points_per_month"`
				}
				Terms []string
			}
		}
		json.Unmarshal(body, &n)
		in := n.Incentives
		if len(in.Tiers) != 5 || in.Tiers[0].Label != c.label || in.Tiers[0].Value == nil || in.Tiers[0].Value.Amount != 12 ||
			in.Tiers[0].Value.Method == "" || in.Tiers[0].PointsPerMonth != 100 || in.Tiers[4].Value != nil {
			t.Fatalf("%s: tiers %+v", c.lang, in.Tiers)
		}
		if in.Subscription == nil || in.Subscription.PointsPerMonth != 120 || !strings.Contains(strings.Join(in.Terms, " "), c.term) || in.Summary == "" {
			t.Fatalf("%s: incentives %+v", c.lang, in)
		}
	}
	// A just-in-time notice is about one moment's purposes, not the exchange.
	_, body := r.call(t, "GET", "/sdk/notice.json?lang=en&moment=checkout", "", "")
	if strings.Contains(string(body), `"incentives"`) {
		t.Fatalf("a just-in-time notice carries the incentive notice: %s", body)
	}
}
