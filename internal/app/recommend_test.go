package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// recs asks GET /v1/recommendations with the browser's write key, as a shop page does.
func (r *running) recs(t *testing.T, query string) (int, recResult) {
	t.Helper()
	return r.recsWith(t, r.key, query)
}

// serverKey creates a server-side source and returns its write key: the key the shop's
// backend uses, never shipped to a browser.
func (r *running) serverKey(t *testing.T) string {
	t.Helper()
	s, b := r.call(t, "POST", "/api/v1/sources", r.admin, `{"name":"shop backend","server_side":true}`)
	if s != 201 {
		t.Fatalf("server-side source: %d %s", s, b)
	}
	var src struct {
		WriteKey string `json:"write_key"`
	}
	json.Unmarshal(b, &src)
	if src.WriteKey == "" {
		t.Fatalf("no write key in %s", b)
	}
	return src.WriteKey
}

func (r *running) recsWith(t *testing.T, key, query string) (int, recResult) {
	t.Helper()
	req, _ := http.NewRequest("GET", r.base+"/v1/recommendations?"+query, nil)
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out recResult
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

type recResult struct {
	Slot         string
	Personalised bool
	Label        string
	Explanation  string
	Items        []struct {
		ID, Name, Label, Reason string
		Personalised            bool
	}
}

func (res recResult) ids() string {
	var out []string
	for _, it := range res.Items {
		out = append(out, it.ID)
	}
	return strings.Join(out, ",")
}

func viewed(id, name string) string {
	return fmt.Sprintf(`"type":"track","event":"Product Viewed","properties":{"product_id":%q,"name":%q,"category":"baby"}`, id, name)
}

// seedShoppers stores what four shoppers viewed: three looked at the stroller, the car
// seat, the crib and the high chair, "rec-d" at the stroller only; all four consented to
// analytics and personalisation.
func (r *running) seedShoppers(t *testing.T) {
	t.Helper()
	at := time.Now().Add(-time.Hour)
	for _, u := range []string{"rec-a", "rec-b", "rec-c"} {
		r.track(t, shopperBatch(u, "anon-"+u, at, viewed("stroller", "Stroller"), viewed("carseat", "Car seat"), viewed("crib", "Crib"),
			viewed("highchair", "High chair"), viewed("bottle-"+u, "Bottle")))
	}
	r.track(t, shopperBatch("rec-d", "anon-rec-d", at, viewed("stroller", "Stroller")))
}

// Acceptance (issue 24 item 1): recommendations are personalised, labelled and explained
// while the person's consent permits; turning personalisation off in the privacy center
// takes effect on the very next call, which then answers exactly what a stranger gets.
func TestOptedOutPersonGetsNonPersonalisedItemsAtOnce(t *testing.T) {
	r := startApp(t)
	r.seedShoppers(t)
	var before recResult
	waitFor(t, func() bool {
		_, before = r.recs(t, "anonymousId=anon-rec-d&slot=home&n=4&lang=en")
		return before.Personalised
	}, "personalised recommendations for rec-d")
	first := before.Items[0]
	if first.ID != "carseat" || !first.Personalised || first.Label != "Recommended for you" || first.Reason != "Because you viewed “Stroller”" ||
		before.Label != "Recommended for you" || before.Explanation != "/algorithms#recommender" || before.Slot != "home" {
		t.Fatalf("before: %+v", before)
	}
	// The same person by their userId, in Chinese, asked by the shop's backend.
	if _, zh := r.recsWith(t, r.serverKey(t), "userId=rec-d&slot=home&n=4&lang=zh-CN"); !zh.Personalised || zh.Items[0].Label != "个性化推荐" {
		t.Fatalf("by userId in zh-CN: %+v", zh)
	}
	// A browser's write key is public: with it, naming someone's userId shows nothing of
	// theirs (what they viewed, their reasons), only what a stranger gets.
	if _, spy := r.recs(t, "userId=rec-d&slot=home&n=4&lang=en"); spy.Personalised || strings.Contains(fmt.Sprint(spy), "Stroller”") {
		t.Fatalf("a public write key read another customer's recommendations by userId: %+v", spy)
	}

	tok := r.session(t, "rec-d")
	if s, b := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":false}`); s != 204 {
		t.Fatalf("turn off: %d %s", s, b)
	}
	_, after := r.recs(t, "anonymousId=anon-rec-d&slot=home&n=4&lang=en")
	_, stranger := r.recs(t, "anonymousId=never-seen&slot=home&n=4&lang=en")
	if after.Personalised || after.Label != "Popular now (not personalised)" || after.ids() != stranger.ids() {
		t.Fatalf("the next call after turning personalisation off: %+v (a stranger gets %s)", after, stranger.ids())
	}
	for _, it := range after.Items {
		if it.Personalised || it.Reason != "Popular with shoppers here" {
			t.Fatalf("item %+v", it)
		}
	}
	// Back on, personalised again.
	if s, _ := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":true}`); s != 204 {
		t.Fatal("turn on")
	}
	if _, again := r.recs(t, "anonymousId=anon-rec-d&n=4"); !again.Personalised {
		t.Fatalf("after turning it back on: %+v", again)
	}

	// The write key is required, and bad input is a 400.
	if res, _ := http.Get(r.base + "/v1/recommendations?anonymousId=x"); res.StatusCode != 401 {
		t.Fatalf("without a write key: %d", res.StatusCode)
	}
	if s, _ := r.recs(t, "n=500"); s != 400 {
		t.Fatalf("n=500: %d", s)
	}
	if s, _ := r.recs(t, "writeKey="+r.key+"&n=2"); s != 200 {
		t.Fatalf("write key in the query: %d", s)
	}
}

// quote posts POST /v1/offers/quote with the write key.
func (r *running) quote(t *testing.T, body, userAgent string) (int, map[string]any) {
	t.Helper()
	return r.quoteWith(t, r.key, body, userAgent)
}

func (r *running) quoteWith(t *testing.T, key, body, userAgent string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", r.base+"/v1/offers/quote", strings.NewReader(body))
	req.SetBasicAuth(key, "")
	req.Header.Set("Content-Type", "application/json")
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

const (
	iPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
	windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0"
)

// Acceptance (issue 24 item 3): a loyalty surcharge is refused naming its factor; a loyalty
// reward is saved and lowers the loyal customer's price, every factor listed and the EU
// customer told the price was personalised; an opted-out twin pays what the opted-in one
// pays (RR-06); the fairness audit flags a planted disparity and not an even distribution.
func TestFairPricesEndToEnd(t *testing.T) {
	r := startApp(t)
	s, b := r.call(t, "POST", "/api/v1/price-rules", r.admin, `{"name":"loyalty-surcharge","description":{"en":"loyal customers pay 5% more","zh-CN":"老顾客加价5%"},
		"percent":5,"when":[{"factor":"customer.orders","op":">=","number":2}]}`)
	if s != 400 || !strings.Contains(string(b), `"price_rule_refused"`) || !strings.Contains(string(b), "factor customer.orders") {
		t.Fatalf("loyalty surcharge: %d %s", s, b)
	}
	s, b = r.call(t, "POST", "/api/v1/price-rules", r.admin, `{"name":"iphone","description":{"en":"x","zh-CN":"x"},"percent":8,
		"when":[{"factor":"device","op":"is","value":"iPhone"}]}`)
	if s != 400 || !strings.Contains(string(b), "factor device") {
		t.Fatalf("device rule: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/price-rules", r.admin, `{"name":"loyal-2","description":{"en":"3% off from your second order","zh-CN":"第二单起九七折"},
		"percent":-3,"when":[{"factor":"customer.orders","op":">=","number":2}]}`); s != 201 {
		t.Fatalf("loyalty reward: %d %s", s, b)
	}

	at := time.Now().Add(-48 * time.Hour)
	orders := func(user, country string) {
		ident := fmt.Sprintf(`"type":"identify","traits":{"address":{"country":%q}}`, country)
		r.track(t, shopperBatch(user, "anon-"+user, at, ident, order, order))
	}
	orders("twin-in", "DE")
	orders("twin-out", "DE")
	tok := r.session(t, "twin-out")
	if s, _ := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":false}`); s != 204 {
		t.Fatal("opt out")
	}
	if s, _ := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"objection"}`); s != 201 {
		t.Fatal("object")
	}
	body := func(user string) string {
		return fmt.Sprintf(`{"userId":%q,"item":"p-1","base_price":10000,"currency":"EUR","channel":"web"}`, user)
	}
	// Quotes by userId come from the shop's backend; a browser's public key may not name
	// a customer (it would read their loyalty price).
	backend := r.serverKey(t)
	if _, spy := r.quote(t, body("twin-in"), windows); spy["personalised"] != false || spy["price"] != float64(10000) {
		t.Fatalf("a public write key priced another customer by userId: %v", spy)
	}
	s, in := r.quoteWith(t, backend, body("twin-in"), windows)
	if s != 200 || in["price"] != float64(9700) || in["personalised"] != true || in["jurisdiction"] != "EU" || in["disclosure"] == nil {
		t.Fatalf("loyal EU quote: %d %v", s, in)
	}
	applied := in["applied"].([]any)[0].(map[string]any)
	if applied["rule"] != "loyal-2" || applied["reason"] != "3% off from your second order" || applied["amount"] != float64(-300) {
		t.Fatalf("applied %v", applied)
	}
	if _, out := r.quoteWith(t, backend, body("twin-out"), windows); out["price"] != in["price"] || out["personalised"] != in["personalised"] {
		t.Fatalf("RR-06: the twin who opted out and objected pays %v, the other %v", out["price"], in["price"])
	}
	if _, nw := r.quoteWith(t, backend, body("first-timer"), windows); nw["price"] != float64(10000) || nw["personalised"] != false {
		t.Fatalf("new customer: %v", nw)
	}
	// An operator answering an explanation request reads the quote back: rules and bands,
	// nothing that names the person.
	s, b = r.call(t, "GET", "/api/v1/pricing/quotes/"+in["id"].(string), r.admin, "")
	if s != 200 || !strings.Contains(string(b), `"rules":["loyal-2"]`) || !strings.Contains(string(b), `"tenure_band":"under_1y"`) ||
		!strings.Contains(string(b), `"device_class":"desktop"`) || strings.Contains(string(b), "twin") {
		t.Fatalf("issued quote: %d %s", s, b)
	}
	if s, _ := r.call(t, "GET", "/api/v1/pricing/quotes/qt_nope", r.admin, ""); s != 404 {
		t.Fatalf("unknown quote: %d", s)
	}
	if s, e := r.quote(t, `{"item":"p-1","base_price":-5,"currency":"EUR"}`, windows); s != 400 {
		t.Fatalf("negative base price: %d %v", s, e)
	}

	// An even distribution: the same item, the same hour, new customers on both devices
	// paying the same. Not a finding.
	for i := 0; i < 4; i++ {
		r.quote(t, `{"item":"p-even","base_price":5000,"currency":"CNY","channel":"app"}`, iPhone)
		r.quote(t, `{"item":"p-even","base_price":5000,"currency":"CNY","channel":"app"}`, windows)
	}
	// Planted: the shop's backend sent iPhone users a 10% higher list price for p-2.
	for i := 0; i < 4; i++ {
		r.quote(t, `{"item":"p-2","base_price":11000,"currency":"CNY","channel":"app"}`, iPhone)
		r.quote(t, `{"item":"p-2","base_price":10000,"currency":"CNY","channel":"app"}`, windows)
	}
	from, to := time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	s, b = r.call(t, "GET", "/api/v1/pricing/audit?from="+from+"&to="+to, r.admin, "")
	var rep struct {
		Quotes   int
		Findings []struct {
			Item, Dimension string
			Higher, Lower   struct{ Band string }
			Gap             float64
		}
	}
	json.Unmarshal(b, &rep)
	if s != 200 || len(rep.Findings) != 1 || rep.Quotes != 20 { // 19, and the refused spy's plain quote
		t.Fatalf("audit: %d %s", s, b)
	}
	if f := rep.Findings[0]; f.Item != "p-2" || f.Dimension != "device" || f.Higher.Band != "mobile" || f.Lower.Band != "desktop" || f.Gap < 0.09 {
		t.Fatalf("finding %+v", f)
	}
}

// Explanation and human review of an automated decision are rights requests with the
// person's deadline, naming the decision (issue 24 item 4; PIPL Art. 24(3), AD-03).
func TestHumanReviewIsARightsRequest(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"hr-1","traits":{"email":"hr@example.de","address":{"country":"DE"}}}]}`)
	tok := r.session(t, "hr-1")
	s, b := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"human_review","details":{"algorithm":"pricing","decision":"quote qt_123 on 18 June"}}`)
	var v struct {
		ID, Type, State, Jurisdiction string
		DeadlineSource                string `json:"deadline_source"`
		Deadline                      time.Time
		Details                       map[string]any
	}
	json.Unmarshal(b, &v)
	if s != 201 || v.Type != "human_review" || v.State != "verified" || v.Jurisdiction != "EU" || !strings.Contains(v.DeadlineSource, "Art. 22(3)") ||
		v.Details["decision"] != "quote qt_123 on 18 June" || v.Deadline.Before(time.Now().AddDate(0, 0, 27)) {
		t.Fatalf("human review: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"explanation","details":{"algorithm":"recommender"}}`); s != 400 || !strings.Contains(string(b), "details.decision") {
		t.Fatalf("explanation without the decision: %d %s", s, b)
	}
	// Operators see it in the queue, open, waiting for a person.
	_, q := r.call(t, "GET", "/api/v1/rights-requests", r.admin, "")
	if !strings.Contains(string(q), v.ID) {
		t.Fatalf("queue: %s", q)
	}
}
