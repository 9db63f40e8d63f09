package segmentspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// WriteKeySource says where a request's write key came from.
type WriteKeySource string

// The places a write key may be sent, in the order DecodeRequest prefers them.
const (
	WriteKeyBasicAuth WriteKeySource = "basic_auth" // Authorization: Basic base64(key + ":")
	WriteKeyHeader    WriteKeySource = "header"     // X-Write-Key (Jitsu)
	WriteKeyBody      WriteKeySource = "body"       // "writeKey" in the body or a batch item (analytics.js)
)

// Request is a decoded ingestion request: every message in it valid, or none
// at all.
type Request struct {
	Endpoint       Endpoint
	WriteKey       string
	WriteKeySource WriteKeySource
	// ReceivedAt is the server clock passed to DecodeRequest, in UTC; every
	// message carries the same value.
	ReceivedAt time.Time
	// SentAt is the body's own sentAt (zero when absent); messages without one
	// inherit it.
	SentAt time.Time
	// BatchID is a batch body's own messageId (analytics-go sends one), for
	// logs; it names the request, not any message.
	BatchID string
	// GPC is true when the request carried the Global Privacy Control header
	// Sec-GPC: 1, which the consent gate must honour as an opt-out of sale and
	// sharing (NC-08). Consent signals inside messages are on Message.Context.
	GPC bool
	// Gzip tells whether the body arrived gzip-compressed; BodyBytes is its
	// size after decompression.
	Gzip      bool
	BodyBytes int
	Messages  []Message
}

// utf8BOM is dropped from the start of a body: some clients write one.
var utf8BOM = []byte("\xef\xbb\xbf")

// Input is one request to the Segment tracking API as the HTTP edge read it: the body,
// already decompressed, and what its headers said. The edge (package server) owns HTTP:
// Content-Encoding, body limits on the wire, Basic auth; this package takes bytes.
type Input struct {
	// Body is the request body after gzip, at most Limits.BodyLimit(endpoint) bytes.
	Body []byte
	// Gzip tells whether the body arrived gzip-compressed.
	Gzip bool
	// BasicUser is the user part of HTTP Basic auth ("" when absent); HeaderKey is
	// X-Write-Key (Jitsu).
	BasicUser, HeaderKey string
	// GPC is true when the request carried Sec-GPC: 1.
	GPC bool
}

// Decode validates one request to the Segment tracking API.
//
// The body is parsed as JSON whatever the Content-Type said (analytics.js posts
// text/plain to avoid a CORS preflight). It may hold lim.MaxBatchBytes on batch and
// import, lim.MaxMessageBytes on the single-message endpoints, and each batch item
// lim.MaxMessageBytes.
//
// The write key is taken from HTTP Basic auth (the user part), X-Write-Key, or
// "writeKey" in the body or in batch items; sources that are present must
// agree. Decode does not check that the key is known: that is the
// caller's job.
//
// A batch's top-level context and integrations are merged under each item's
// (item keys win, at the top level only). The server sets receivedAt, fills a
// missing messageId with a deterministic one (see below) and corrects the
// event time for client clock skew:
//
//	originalTimestamp = the message's originalTimestamp, else its timestamp
//	timestamp         = receivedAt − (sentAt − originalTimestamp)   when sentAt is known
//	                  = originalTimestamp                            when it is not, and on import
//	                  = receivedAt                                   when the client sent no time
//
// then clamps timestamp into [1970-01-01, receivedAt], because an event
// cannot happen after it was received.
//
// A derived messageId is "stw-" and 32 hex digits of a SHA-256 over the write
// key, the message type, the batch context and integrations as received, the
// message's own members as received less sentAt and writeKey, and how many
// identical messages came before it in the same request. A body sent again
// (a client retry, even with a fresh sentAt) thus gets the same ids and the
// store can drop the duplicates, while two identical events in one batch
// still get distinct ids. The price: two genuinely separate requests with
// byte-identical events and no client timestamps also share ids; every SDK
// named in STANDARDS.md sends its own messageId, so this only touches
// hand-written HTTP calls.
//
// Every message is validated (see Message.Validate). The request is all or
// nothing: one bad message rejects the whole batch with an *Error naming the
// item's index and the field, so nothing is half-written and the client can
// fix and resend the batch. All errors are *Error; their messages name fields
// and limits, never values.
func Decode(in Input, endpoint Endpoint, now time.Time, lim Limits) (*Request, error) {
	req, e := decodeRequest(in, endpoint, now, lim.withDefaults())
	if e != nil {
		return nil, e
	}
	return req, nil
}

type decoder struct {
	lim        Limits
	receivedAt time.Time
	correct    bool // clock-skew correction (not on import)
	keys       keySet

	// Per message, what its derived messageId hashes over.
	items []hashInput
}

type hashInput struct {
	item                  json.RawMessage
	context, integrations json.RawMessage
}

// batchDefaults is what a batch body lends its items.
type batchDefaults struct {
	context, integrations json.RawMessage // nil when absent
	sentAt                time.Time
}

func decodeRequest(in Input, endpoint Endpoint, now time.Time, lim Limits) (*Request, *Error) {
	if !endpoint.valid() {
		return nil, requestError(CodeUnknownEndpoint, "not a segment endpoint")
	}
	d := &decoder{lim: lim, receivedAt: now.UTC(), correct: endpoint != EndpointImport}
	if e := d.keys.add(in.BasicUser, WriteKeyBasicAuth); e != nil {
		return nil, e
	}
	if e := d.keys.add(strings.TrimSpace(in.HeaderKey), WriteKeyHeader); e != nil {
		return nil, e
	}
	if limit := lim.BodyLimit(endpoint); len(in.Body) > limit {
		return nil, requestError(CodePayloadTooLarge, "body is larger than %d bytes", limit)
	}
	body := bytes.TrimPrefix(in.Body, utf8BOM)
	out := &Request{
		Endpoint:   endpoint,
		ReceivedAt: d.receivedAt,
		GPC:        in.GPC,
		Gzip:       in.Gzip,
		BodyBytes:  len(body),
	}
	var e *Error
	if endpoint.IsBatch() {
		e = d.batch(body, out)
	} else {
		e = d.single(body, endpoint.messageType(), out)
	}
	if e != nil {
		return nil, e
	}
	if d.keys.key == "" {
		return nil, requestError(CodeMissingWriteKey, "no write key in basic auth, X-Write-Key or the body")
	}
	out.WriteKey, out.WriteKeySource = d.keys.key, d.keys.src
	counts := make(map[[32]byte]int)
	for i := range out.Messages {
		m := &out.Messages[i]
		if m.MessageID != "" {
			continue
		}
		m.MessageID = deriveMessageID(out.WriteKey, m.Type, d.items[i], counts)
		m.MessageIDGenerated = true
	}
	return out, nil
}

func (d *decoder) single(body []byte, t Type, out *Request) *Error {
	ms, err := members(body)
	if err != nil {
		return bodyError(err)
	}
	m, e := d.message(bytes.TrimSpace(body), ms, t, nil)
	if e != nil {
		return e
	}
	out.SentAt = m.SentAt
	out.Messages = []Message{m}
	return nil
}

func (d *decoder) batch(body []byte, out *Request) *Error {
	ms, err := members(body)
	if err != nil {
		return bodyError(err)
	}
	var (
		items []json.RawMessage
		found bool
		def   batchDefaults
	)
	for _, mb := range ms {
		v := mb.value
		switch mb.key {
		case "batch":
			if isNull(v) {
				continue
			}
			var err error
			if items, err = splitArray(v); err != nil {
				return fieldError("batch", "must be an array")
			}
			found = true
		case "context", "integrations":
			if _, ok := decodeObject(v); !ok {
				return fieldError(mb.key, "must be an object")
			}
			if isNull(v) {
				continue
			}
			if mb.key == "context" {
				def.context = v
			} else {
				def.integrations = v
			}
		case "writeKey":
			s, ok := decodeString(v)
			if !ok {
				return requestError(CodeInvalidWriteKey, "writeKey must be a string")
			}
			if e := d.keys.add(s, WriteKeyBody); e != nil {
				return e
			}
		case "sentAt":
			t, ok := decodeTime(v)
			if !ok {
				return fieldError("sentAt", "must be an RFC 3339 time or Unix milliseconds within 1970–9999")
			}
			def.sentAt, out.SentAt = t, t
		case "messageId":
			s, ok := decodeID(v)
			if !ok {
				return fieldError("messageId", "must be a string")
			}
			if len(s) > d.lim.MaxMessageIDLen {
				return fieldError("messageId", "is longer than %d bytes", d.lim.MaxMessageIDLen)
			}
			out.BatchID = s
		}
	}
	if !found {
		return fieldError("batch", "is missing")
	}
	out.Messages = make([]Message, 0, len(items))
	for i, item := range items {
		if len(item) > d.lim.MaxMessageBytes {
			return &Error{Code: CodePayloadTooLarge, Index: i,
				Message: fmt.Sprintf("message is larger than %d bytes", d.lim.MaxMessageBytes)}
		}
		ims, err := splitObject(item)
		if err != nil {
			e := memberError(err)
			e.Index = i
			return e
		}
		m, e := d.message(item, ims, "", &def)
		if e != nil {
			e.Index = i
			return e
		}
		out.Messages = append(out.Messages, m)
	}
	return nil
}

// message builds and validates one message from its members. implied is the
// type a single-message endpoint stands for ("" in a batch); def is nil
// outside batches.
func (d *decoder) message(raw json.RawMessage, ms []member, implied Type, def *batchDefaults) (Message, *Error) {
	var (
		m          Message
		ctx, integ map[string]any
		ts, ots    time.Time
		typ        string
		writeKey   bool
	)
	for _, mb := range ms {
		v := mb.value
		ok := true
		switch mb.key {
		case "type":
			typ, ok = decodeString(v)
		case "messageId":
			m.MessageID, ok = decodeID(v)
		case "anonymousId":
			m.AnonymousID, ok = decodeID(v)
		case "userId":
			m.UserID, ok = decodeID(v)
		case "previousId":
			m.PreviousID, ok = decodeID(v)
		case "groupId":
			m.GroupID, ok = decodeID(v)
		case "event":
			m.Event, ok = decodeString(v)
		case "name":
			m.Name, ok = decodeString(v)
		case "properties":
			m.Properties, ok = decodeObject(v)
		case "traits":
			m.Traits, ok = decodeObject(v)
		case "context":
			ctx, ok = decodeObject(v)
		case "integrations":
			integ, ok = decodeObject(v)
		case "timestamp":
			ts, ok = decodeTime(v)
		case "originalTimestamp":
			ots, ok = decodeTime(v)
		case "sentAt":
			m.SentAt, ok = decodeTime(v)
		case "receivedAt":
			// The server's to set; the client's claim is dropped.
		case "writeKey":
			writeKey = true
			s, isStr := decodeString(v)
			if !isStr {
				return m, requestError(CodeInvalidWriteKey, "writeKey must be a string")
			}
			if e := d.keys.add(s, WriteKeyBody); e != nil {
				return m, e
			}
		default:
			if m.Extra == nil {
				m.Extra = make(map[string]json.RawMessage)
			}
			m.Extra[mb.key] = v
		}
		if !ok {
			return m, fieldError(mb.key, "%s", shapeOf(mb.key))
		}
	}

	m.Type = Type(strings.ToLower(typ))
	switch {
	case implied != "" && typ == "":
		m.Type = implied
	case implied != "" && m.Type != implied:
		return m, fieldError("type", "does not match the endpoint")
	case typ == "":
		return m, fieldError("type", "is missing")
	}

	var hin hashInput
	if m.MessageID == "" {
		// Hash the message without the members a client refreshes when it
		// resends (sentAt) or that are credentials (writeKey), so a retry
		// derives the same id.
		hin.item = rebuild(without(ms, "sentAt", "writeKey"))
	}
	if def != nil {
		hin.context, hin.integrations = def.context, def.integrations
		// Decoding the batch's objects afresh for every item keeps messages
		// from sharing nested maps, so editing one cannot change another.
		if def.context != nil {
			base, _ := decodeObject(def.context)
			ctx = mergeUnder(ctx, base)
		}
		if def.integrations != nil {
			base, _ := decodeObject(def.integrations)
			integ = mergeUnder(integ, base)
		}
		if m.SentAt.IsZero() {
			m.SentAt = def.sentAt
		}
	}
	m.Context, m.Integrations = ctx, integ

	m.ReceivedAt = d.receivedAt
	m.OriginalTimestamp = ots
	if ots.IsZero() {
		m.OriginalTimestamp = ts
	}
	m.Timestamp = eventTime(m.OriginalTimestamp, m.SentAt, m.ReceivedAt, d.correct)

	if writeKey {
		m.Raw = rebuild(without(ms, "writeKey"))
	} else {
		m.Raw = raw
	}

	if e := m.validate(d.lim, false); e != nil {
		return m, e
	}
	d.items = append(d.items, hin)
	return m, nil
}

// eventTime applies the clock-skew correction and the sanity bounds described
// on DecodeRequest.
func eventTime(orig, sentAt, receivedAt time.Time, correct bool) time.Time {
	t := receivedAt
	switch {
	case orig.IsZero():
	case correct && !sentAt.IsZero():
		// Sub saturates at ±292 years, so absurd inputs stay finite and are
		// caught by the bounds below.
		t = receivedAt.Add(-sentAt.Sub(orig))
	default:
		t = orig
	}
	if t.After(receivedAt) {
		t = receivedAt
	}
	if t.Before(minTime) {
		t = minTime
	}
	return t
}

// without returns ms less the members named.
func without(ms []member, keys ...string) []member {
	out := make([]member, 0, len(ms))
next:
	for _, mb := range ms {
		for _, k := range keys {
			if mb.key == k {
				continue next
			}
		}
		out = append(out, mb)
	}
	return out
}

// mergeUnder adds base's keys that top lacks.
func mergeUnder(top, base map[string]any) map[string]any {
	if top == nil {
		return base
	}
	for k, v := range base {
		if _, ok := top[k]; !ok {
			top[k] = v
		}
	}
	return top
}

func shapeOf(key string) string {
	switch key {
	case "properties", "traits", "context", "integrations":
		return "must be an object"
	case "timestamp", "originalTimestamp", "sentAt":
		return "must be an RFC 3339 time or Unix milliseconds within 1970–9999"
	}
	return "must be a string"
}

// bodyError classifies a failure to split the body into members.
func bodyError(err error) *Error {
	var dup *duplicateKeyError
	if errors.As(err, &dup) {
		return fieldError(dup.key, "occurs twice")
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return requestError(CodeInvalidJSON, "body is not valid JSON (at byte %d)", syn.Offset)
	}
	if errors.Is(err, errNotObject) {
		return requestError(CodeInvalidJSON, "body must be a JSON object")
	}
	return requestError(CodeInvalidJSON, "body is not valid JSON")
}

// memberError classifies a batch item that is not a usable object (it is
// valid JSON, since the whole body parsed).
func memberError(err error) *Error {
	var dup *duplicateKeyError
	if errors.As(err, &dup) {
		return fieldError(dup.key, "occurs twice")
	}
	return fieldError("", "message must be a JSON object")
}
