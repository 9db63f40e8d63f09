package segmentspec

// keySet gathers the write keys a request carries and insists they agree: a
// request naming two sources is ambiguous about whose data it is.
type keySet struct {
	key string
	src WriteKeySource
}

// add records key from src; an empty key means the source is absent.
func (k *keySet) add(key string, src WriteKeySource) *Error {
	if key == "" {
		return nil
	}
	if !wellFormedWriteKey(key) {
		return requestError(CodeInvalidWriteKey, "write key from %s is malformed", src)
	}
	if k.key == "" {
		k.key, k.src = key, src
		return nil
	}
	if key != k.key {
		return requestError(CodeInvalidWriteKey, "write keys from %s and %s differ", k.src, src)
	}
	return nil
}

// wellFormedWriteKey accepts printable ASCII without spaces or colons, up to
// maxWriteKeyLen bytes: every real key fits, nothing that could break a log
// line or a URL path does, and every key can travel as a Basic auth user
// (RFC 7617 forbids a colon there).
func wellFormedWriteKey(key string) bool {
	if len(key) > maxWriteKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' || key[i] == ':' {
			return false
		}
	}
	return true
}
