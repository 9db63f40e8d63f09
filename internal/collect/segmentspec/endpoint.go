package segmentspec

// Endpoint is the ingestion path a request arrived on, after the /v1/ prefix.
type Endpoint string

// The endpoints of the Segment HTTP tracking API. Import takes the same body as
// Batch but is meant for historical data: its timestamps are taken as sent,
// without clock-skew correction.
const (
	EndpointIdentify Endpoint = "identify"
	EndpointTrack    Endpoint = "track"
	EndpointPage     Endpoint = "page"
	EndpointScreen   Endpoint = "screen"
	EndpointGroup    Endpoint = "group"
	EndpointAlias    Endpoint = "alias"
	EndpointBatch    Endpoint = "batch"
	EndpointImport   Endpoint = "import"
)

// ParseEndpoint maps the last path segment of an ingestion URL to its
// endpoint. Besides the long names it accepts the single letters
// @segment/analytics-next posts to (it uses the first letter of the event
// type, and "b" when its batching delivery strategy is on):
//
//	t → track    p → page    i → identify    g → group
//	a → alias    s → screen  b → batch
func ParseEndpoint(segment string) (Endpoint, bool) {
	switch segment {
	case "identify", "i":
		return EndpointIdentify, true
	case "track", "t":
		return EndpointTrack, true
	case "page", "p":
		return EndpointPage, true
	case "screen", "s":
		return EndpointScreen, true
	case "group", "g":
		return EndpointGroup, true
	case "alias", "a":
		return EndpointAlias, true
	case "batch", "b":
		return EndpointBatch, true
	case "import":
		return EndpointImport, true
	}
	return "", false
}

// IsBatch reports whether the endpoint takes {"batch": [...]} rather than one
// message.
func (e Endpoint) IsBatch() bool { return e == EndpointBatch || e == EndpointImport }

// messageType is the type a single-message endpoint implies ("" for batches
// and unknown endpoints).
func (e Endpoint) messageType() Type {
	switch e {
	case EndpointIdentify:
		return TypeIdentify
	case EndpointTrack:
		return TypeTrack
	case EndpointPage:
		return TypePage
	case EndpointScreen:
		return TypeScreen
	case EndpointGroup:
		return TypeGroup
	case EndpointAlias:
		return TypeAlias
	}
	return ""
}

func (e Endpoint) valid() bool { return e.IsBatch() || e.messageType() != "" }
