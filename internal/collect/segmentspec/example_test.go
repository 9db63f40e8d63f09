package segmentspec_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

func ExampleDecode() {
	// What analytics-next posts to /v1/t: text/plain, write key in the body.
	body := `{"type":"track","event":"Add to Cart","anonymousId":"a-1",` +
		`"context":{"consent":{"categoryPreferences":{"Analytics":true,"Advertising":false}}},` +
		`"timestamp":"2024-05-01T10:00:00.000Z","sentAt":"2024-05-01T10:00:00.500Z","writeKey":"wk_web"}`
	in := segmentspec.Input{Body: []byte(body)} // as the HTTP edge read it

	ep, _ := segmentspec.ParseEndpoint("t")
	received := time.Date(2024, 5, 1, 10, 0, 3, 0, time.UTC)
	req, err := segmentspec.Decode(in, ep, received, segmentspec.Limits{})
	if err != nil {
		panic(err)
	}
	m := req.Messages[0]
	prefs, _ := m.Context.Consent()
	fmt.Println(req.WriteKey, m.Type, m.Event)
	fmt.Println("advertising allowed:", prefs["Advertising"])
	fmt.Println("happened at:", m.Timestamp.Format(time.RFC3339Nano))
	fmt.Println("derived id:", m.MessageIDGenerated)
	// Output:
	// wk_web track Add to Cart
	// advertising allowed: false
	// happened at: 2024-05-01T10:00:02.5Z
	// derived id: true
}

func ExampleError() {
	body := `{"writeKey":"wk_1","batch":[` +
		`{"type":"track","event":"Viewed","userId":"u-1"},` +
		`{"type":"track","userId":"u-1"}]}`
	_, err := segmentspec.Decode(segmentspec.Input{Body: []byte(body)}, segmentspec.EndpointBatch, time.Now(), segmentspec.Limits{})

	var de *segmentspec.Error
	if errors.As(err, &de) {
		fmt.Println(de.Code, de.Index, de.Field)
		fmt.Println(err)
	}
	// Output:
	// invalid_message 1 event
	// decode segment request: batch[1].event: is required on track
}

func ExampleBrowserSettings() {
	doc, _ := segmentspec.BrowserSettings("wk_web", "http://127.0.0.1:8080/v1")
	fmt.Println(strings.Contains(string(doc), `"apiHost":"127.0.0.1:8080/v1","protocol":"http"`))
	// Output: true
}
