package segmentspec_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// batch100 is a 100-message batch shaped like analytics-node's: tracks with a
// handful of properties, some identifies and pages, the library in each
// message's context.
func batch100() []byte {
	var items []string
	for i := range 100 {
		var item string
		switch i % 10 {
		case 0:
			item = fmt.Sprintf(`{"type":"identify","userId":"user-%d","traits":{"email":"user%d@example.cn","plan":"gold","city":"Hangzhou","age_band":"25-34"}`, i, i)
		case 1, 2:
			item = fmt.Sprintf(`{"type":"page","anonymousId":"anon-%d","name":"Product","properties":{"path":"/p/%d","url":"https://shop.example.cn/p/%d","title":"Product %d","referrer":"https://search.example/"}`, i, i, i, i)
		default:
			item = fmt.Sprintf(`{"type":"track","userId":"user-%d","event":"Product Added","properties":{"product_id":"sku-%d","sku":"45790-%d","category":"Shoes","name":"Runner %d","price":399.5,"quantity":1,"currency":"CNY","position":%d}`, i, i, i, i, i)
		}
		item += fmt.Sprintf(`,"context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"},"consent":{"categoryPreferences":{"Analytics":true,"Advertising":false}}},"integrations":{},"messageId":"node-next-17145576%05d-2f5e0d6b-6a8a-4c69-9a3e-1f1f0c4a2b7d","timestamp":"2024-05-01T10:00:00.%03dZ","_metadata":{"nodeVersion":"20.12.2","jsRuntime":"node"}}`, i, i*7%1000)
		items = append(items, item)
	}
	return []byte(`{"batch":[` + strings.Join(items, ",") + `],"sentAt":"2024-05-01T10:00:01.000Z"}`)
}

func BenchmarkDecodeBatch100(b *testing.B) {
	body := batch100()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := segmentspec.Decode(post("/v1/batch", body, basicAuth("wk_bench")), segmentspec.EndpointBatch, now, segmentspec.Limits{})
		if err != nil || len(req.Messages) != 100 {
			b.Fatalf("decode: %v", err)
		}
	}
}

func TestBenchmarkBatchIsValid(t *testing.T) {
	r := post("/v1/batch", batch100(), basicAuth("wk_bench"))
	req := mustDecode(t, r, segmentspec.EndpointBatch)
	if len(req.Messages) != 100 || !bytes.Contains(batch100(), []byte(`"sentAt"`)) {
		t.Fatalf("got %d messages", len(req.Messages))
	}
}
