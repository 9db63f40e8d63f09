package segmentspec_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// issue 17 item 7: text that PostgreSQL cannot store (a NUL, invalid UTF-8) in a field that
// reaches a store column or an identity index is refused at the edge, naming the field, the
// same whichever store runs behind; a batch holding one such message is a 400, which
// clients do not retry.
func TestDecodeRefusesNULText(t *testing.T) {
	cases := []struct{ field, body string }{
		{"messageId", `{"type":"track","event":"x","userId":"u","messageId":"a\u0000b"}`},
		{"userId", `{"type":"track","event":"x","userId":"u\u0000","messageId":"m"}`},
		{"anonymousId", `{"type":"track","event":"x","anonymousId":"\u0000","messageId":"m"}`},
		{"event", `{"type":"track","event":"x\u0000y","userId":"u","messageId":"m"}`},
		{"name", `{"type":"page","name":"home\u0000","userId":"u","messageId":"m"}`},
		{"previousId", `{"type":"alias","previousId":"p\u0000","userId":"u","messageId":"m"}`},
		{"groupId", `{"type":"group","groupId":"g\u0000","userId":"u","messageId":"m"}`},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			ep, _ := segmentspec.ParseEndpoint("track")
			if c.field == "name" {
				ep, _ = segmentspec.ParseEndpoint("page")
			} else if c.field == "previousId" {
				ep, _ = segmentspec.ParseEndpoint("alias")
			} else if c.field == "groupId" {
				ep, _ = segmentspec.ParseEndpoint("group")
			}
			_, err := segmentspec.Decode(post("", []byte(c.body), basicAuth("k")), ep, now, segmentspec.Limits{})
			var de *segmentspec.Error
			if !errors.As(err, &de) || de.Code != segmentspec.CodeInvalidMessage || de.Field != c.field {
				t.Fatalf("err = %v; want invalid_message naming %s", err, c.field)
			}
		})
	}
	// In a batch, the index and the field are named.
	ep, _ := segmentspec.ParseEndpoint("batch")
	_, err := segmentspec.Decode(post("", []byte(`{"batch":[{"type":"track","event":"x","userId":"u","messageId":"ok"},{"type":"track","event":"x","userId":"u","messageId":"\u0000"}]}`), basicAuth("k")), ep, now, segmentspec.Limits{})
	var de *segmentspec.Error
	if !errors.As(err, &de) || de.Index != 1 || de.Field != "messageId" {
		t.Fatalf("batch err = %v", err)
	}
}
