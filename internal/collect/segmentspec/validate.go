package segmentspec

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Validate checks m against the Segment spec and lim: a known type and a
// messageId within the length cap; userId or anonymousId on every type but
// alias; event on track; previousId and userId on alias; groupId (within its
// cap) on group; at most lim.MaxKeys keys in properties, traits and
// context.traits; and the context keys Context's accessors read having the
// types they expect. The error is an *Error with Index -1.
func (m *Message) Validate(lim Limits) error {
	if e := m.validate(lim.withDefaults(), true); e != nil {
		return e
	}
	return nil
}

// validate is Validate with limits already defaulted; requireID is false while
// the decoder has yet to derive a missing messageId.
func (m *Message) validate(lim Limits, requireID bool) *Error {
	if !m.Type.Valid() {
		return fieldError("type", "is not a segment message type")
	}
	if m.MessageID == "" && requireID {
		return fieldError("messageId", "is missing")
	}
	if len(m.MessageID) > lim.MaxMessageIDLen {
		return fieldError("messageId", "is longer than %d bytes", lim.MaxMessageIDLen)
	}
	// These reach store columns or identity indexes in clear: a NUL or invalid UTF-8 is
	// refused here, the same whichever store runs behind (PostgreSQL cannot hold them).
	for _, f := range [...]struct{ name, v string }{{"messageId", m.MessageID}, {"userId", m.UserID},
		{"anonymousId", m.AnonymousID}, {"previousId", m.PreviousID}, {"groupId", m.GroupID},
		{"event", m.Event}, {"name", m.Name}} {
		if !plainText(f.v) {
			return fieldError(f.name, "must not contain a NUL character or invalid UTF-8")
		}
	}
	switch m.Type {
	case TypeAlias:
		if m.PreviousID == "" {
			return fieldError("previousId", "is required on alias")
		}
		if m.UserID == "" {
			return fieldError("userId", "is required on alias")
		}
	default:
		if m.UserID == "" && m.AnonymousID == "" {
			return fieldError("userId", "or anonymousId is required on %s", m.Type)
		}
	}
	switch m.Type {
	case TypeTrack:
		if m.Event == "" {
			return fieldError("event", "is required on track")
		}
	case TypeGroup:
		if m.GroupID == "" {
			return fieldError("groupId", "is required on group")
		}
		if len(m.GroupID) > lim.MaxGroupIDLen {
			return fieldError("groupId", "is longer than %d bytes", lim.MaxGroupIDLen)
		}
	}
	if len(m.Properties) > lim.MaxKeys {
		return fieldError("properties", "has more than %d keys", lim.MaxKeys)
	}
	if len(m.Traits) > lim.MaxKeys {
		return fieldError("traits", "has more than %d keys", lim.MaxKeys)
	}
	return validateContext(m.Context, lim)
}

// validateContext makes the typed accessors total: after it passes, a zero
// accessor result means the key was absent or null.
func validateContext(c Context, lim Limits) *Error {
	if v, ok := c["consent"]; ok && v != nil {
		consent, isObj := v.(map[string]any)
		if !isObj {
			return fieldError("context.consent", "must be an object")
		}
		if p, ok := consent["categoryPreferences"]; ok && p != nil {
			prefs, isObj := p.(map[string]any)
			if !isObj {
				return fieldError("context.consent.categoryPreferences", "must be an object")
			}
			for _, pv := range prefs {
				if _, isBool := pv.(bool); !isBool {
					// A consent gate must not guess what "yes" or 1 means.
					return fieldError("context.consent.categoryPreferences", "values must be booleans")
				}
			}
		}
	}
	if v, ok := c["gpc"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			return fieldError("context.gpc", "must be a boolean")
		}
	}
	for _, k := range [...]string{"ip", "userAgent", "locale"} {
		if e := optionalString(c, "context.", k); e != nil {
			return e
		}
	}
	if e := optionalObjectOfStrings(c, "library", "name", "version"); e != nil {
		return e
	}
	if e := optionalObjectOfStrings(c, "page", "path", "referrer", "search", "title", "url"); e != nil {
		return e
	}
	if v, ok := c["traits"]; ok && v != nil {
		traits, isObj := v.(map[string]any)
		if !isObj {
			return fieldError("context.traits", "must be an object")
		}
		if len(traits) > lim.MaxKeys {
			return fieldError("context.traits", "has more than %d keys", lim.MaxKeys)
		}
	}
	return validateExternalIDs(c)
}

func optionalString(m map[string]any, prefix, key string) *Error {
	if v, ok := m[key]; ok && v != nil {
		if _, isStr := v.(string); !isStr {
			return fieldError(prefix+key, "must be a string")
		}
	}
	return nil
}

func optionalObjectOfStrings(c Context, key string, fields ...string) *Error {
	v, ok := c[key]
	if !ok || v == nil {
		return nil
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return fieldError("context."+key, "must be an object")
	}
	for _, f := range fields {
		if e := optionalString(obj, "context."+key+".", f); e != nil {
			return e
		}
	}
	return nil
}

func validateExternalIDs(c Context) *Error {
	v, ok := c["externalIds"]
	if !ok || v == nil {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		return fieldError("context.externalIds", "must be an array")
	}
	for i, item := range list {
		path := "context.externalIds[" + strconv.Itoa(i) + "]"
		obj, isObj := item.(map[string]any)
		if !isObj {
			return fieldError(path, "must be an object")
		}
		for _, f := range [...]string{"id", "type"} {
			if s, _ := obj[f].(string); s == "" {
				return fieldError(path+"."+f, "must be a non-empty string")
			}
		}
		for _, f := range [...]string{"collection", "encoding"} {
			if e := optionalString(obj, path+".", f); e != nil {
				return e
			}
		}
		if col, _ := obj["collection"].(string); col != "" && col != "users" && col != "accounts" {
			return fieldError(path+".collection", "must be users or accounts")
		}
	}
	return nil
}

// plainText reports whether s is valid UTF-8 without NUL characters (store.ValidText;
// this package stays free of the store).
func plainText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
