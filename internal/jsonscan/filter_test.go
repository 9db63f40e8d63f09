package jsonscan_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/jsonscan"
)

func TestMinimise(t *testing.T) {
	raw := `{"type":"track","event":"Order Completed","properties":{"order_id":"o1","revenue":12.5,"products":[{"sku":"a"}],"coupon":"X"},
		"context":{"ip":"203.0.113.9","page":{"url":"https://shop.example.com/c","title":"Checkout"},"library":{"name":"n"}},"traits":{"email":"a@b.c"}}`
	rules := map[string]jsonscan.Verdict{
		"type": {Keep: true}, "event": {Keep: true},
		"properties.order_id": {Keep: true}, "properties.revenue": {Keep: true}, "properties.products": {Keep: true},
		"context.page.url": {Keep: true},
		"context.ip":       {Reason: "purpose_denied"},
		"traits":           {Reason: "purpose_denied"},
	}
	body, stripped, err := jsonscan.Filter([]byte(raw), func(p string, _ []byte) jsonscan.Verdict { return rules[p] })
	if err != nil {
		t.Fatal(err)
	}
	want := `{"context":{"page":{"url":"https://shop.example.com/c"}},"event":"Order Completed","properties":{"order_id":"o1","products":[{"sku":"a"}],"revenue":12.5},"type":"track"}`
	if string(body) != want {
		t.Fatalf("body =\n%s\nwant\n%s", body, want)
	}
	if stripped["purpose_denied"] != 2 || stripped["not_in_schema"] != 3 {
		t.Fatalf("stripped = %v", stripped)
	}
	if strings.Contains(string(body), "203.0.113.9") || strings.Contains(string(body), "a@b.c") {
		t.Fatal("a denied field was kept")
	}
	if _, _, err := jsonscan.Filter([]byte(`[1]`), func(string, []byte) jsonscan.Verdict { return jsonscan.Verdict{} }); err == nil {
		t.Fatal("non-object accepted")
	}
}

// A Replace verdict writes the replacement instead of the value (the reader's masking) and
// counts it under its reason; the rest of the walk is unchanged.
func TestFilterReplaces(t *testing.T) {
	raw := `{"traits":{"email":"li.lei@example.cn","city":"上海"},"type":"identify"}`
	body, counted, err := jsonscan.Filter([]byte(raw), func(p string, v []byte) jsonscan.Verdict {
		switch p {
		case "type", "traits.city":
			return jsonscan.Verdict{Keep: true}
		case "traits.email":
			if string(v) != `"li.lei@example.cn"` {
				t.Fatalf("value of %s = %s", p, v)
			}
			return jsonscan.Verdict{Replace: []byte(`"l*****@example.cn"`), Reason: "masked"}
		}
		return jsonscan.Verdict{}
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"traits":{"city":"上海","email":"l*****@example.cn"},"type":"identify"}`; string(body) != want {
		t.Fatalf("body = %s, want %s", body, want)
	}
	if counted["masked"] != 1 || len(counted) != 1 {
		t.Fatalf("counted = %v", counted)
	}
}
