package collect_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/collect"
)

func TestMinimise(t *testing.T) {
	raw := `{"type":"track","event":"Order Completed","properties":{"order_id":"o1","revenue":12.5,"products":[{"sku":"a"}],"coupon":"X"},
		"context":{"ip":"203.0.113.9","page":{"url":"https://shop.example.com/c","title":"Checkout"},"library":{"name":"n"}},"traits":{"email":"a@b.c"}}`
	rules := map[string]collect.FieldVerdict{
		"type": {Keep: true}, "event": {Keep: true},
		"properties.order_id": {Keep: true}, "properties.revenue": {Keep: true}, "properties.products": {Keep: true},
		"context.page.url": {Keep: true},
		"context.ip":       {Reason: "purpose_denied"},
		"traits":           {Reason: "purpose_denied"},
	}
	body, stripped, err := collect.Minimise([]byte(raw), func(p string) collect.FieldVerdict { return rules[p] })
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
	if _, _, err := collect.Minimise([]byte(`[1]`), func(string) collect.FieldVerdict { return collect.FieldVerdict{} }); err == nil {
		t.Fatal("non-object accepted")
	}
}
