package segmentspec

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// knownKeys are the members MarshalJSON writes from typed fields; Extra
// entries under these names are skipped so the output never repeats a key.
var knownKeys = map[string]bool{
	"type": true, "messageId": true, "anonymousId": true, "userId": true,
	"previousId": true, "groupId": true, "event": true, "name": true,
	"properties": true, "traits": true, "context": true, "integrations": true,
	"timestamp": true, "originalTimestamp": true, "sentAt": true, "receivedAt": true,
	"writeKey": true,
}

// MarshalJSON writes the message in normalised form: the typed fields under
// their Segment names (zero ones left out, times in RFC 3339 UTC), then Extra
// in key order. It is what a store keeps when it keeps the whole message, and
// DecodeRequest accepts it again (with the same messageId, ids, fields and
// context; receivedAt is the server's and is set anew).
func (m Message) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(key string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(&b, key)
		b.WriteByte(':')
		b.Write(raw)
		return nil
	}
	str := func(key, v string) error {
		if v == "" {
			return nil
		}
		return put(key, v)
	}
	tm := func(key string, t time.Time) error {
		if t.IsZero() {
			return nil
		}
		return put(key, t.UTC().Format(time.RFC3339Nano))
	}
	obj := func(key string, v map[string]any) error {
		if v == nil {
			return nil
		}
		return put(key, v)
	}
	steps := []func() error{
		func() error { return str("type", string(m.Type)) },
		func() error { return str("messageId", m.MessageID) },
		func() error { return str("anonymousId", m.AnonymousID) },
		func() error { return str("userId", m.UserID) },
		func() error { return str("previousId", m.PreviousID) },
		func() error { return str("groupId", m.GroupID) },
		func() error { return str("event", m.Event) },
		func() error { return str("name", m.Name) },
		func() error { return obj("properties", m.Properties) },
		func() error { return obj("traits", m.Traits) },
		func() error { return obj("context", m.Context) },
		func() error { return obj("integrations", m.Integrations) },
		func() error { return tm("timestamp", m.Timestamp) },
		func() error { return tm("originalTimestamp", m.OriginalTimestamp) },
		func() error { return tm("sentAt", m.SentAt) },
		func() error { return tm("receivedAt", m.ReceivedAt) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		if !knownKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := put(k, m.Extra[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
