package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Identifier kinds a blind index is computed over. user_id and anonymous_id match the
// store's identity kinds.
const (
	KindEmail       = "email"
	KindPhone       = "phone"
	KindUserID      = "user_id"
	KindAnonymousID = "anonymous_id"
)

// ErrNormalize means a value is not a valid identifier of its kind.
var ErrNormalize = errors.New("vault: not a valid identifier of this kind")

// BlindIndex computes keyed, deterministic digests of identifiers: the same value always
// gives the same digest under one deployment's secret, and nobody without the secret can
// test a guess (a plain hash of a phone number is reversible by enumeration).
type BlindIndex struct {
	secret        []byte
	defaultRegion string // country calling code assumed for national phone numbers
}

// NewBlindIndex returns a BlindIndex; defaultRegion is the calling code (e.g. "86")
// applied to phone numbers written without one.
func NewBlindIndex(secret []byte, defaultRegion string) *BlindIndex {
	return &BlindIndex{secret: append([]byte(nil), secret...), defaultRegion: defaultRegion}
}

// Compute normalises value for its kind and returns its digest.
func (b *BlindIndex) Compute(kind, value string) ([]byte, error) {
	norm, err := Normalize(kind, value, b.defaultRegion)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, b.secret)
	m.Write([]byte("steward/index/v1\x00" + kind + "\x00" + norm))
	return m.Sum(nil), nil
}

// Index implements collect.Indexer.
func (b *BlindIndex) Index(kind, value string) ([]byte, error) { return b.Compute(kind, value) }

// Normalize returns the canonical form of an identifier:
//   - email: surrounding space removed, lower-cased (the whole address: providers that
//     treat the local part case-sensitively are vanishingly rare, and a customer typing
//     "Li.Na@Example.com" means the same inbox);
//   - phone: E.164 ("+" country code, digits). Spaces, dashes, dots and parentheses are
//     dropped; a leading "00" is an international prefix; a Chinese mobile number
//     (11 digits starting 13-19) with or without 86/+86 becomes +86…; any other number
//     without a country code takes defaultRegion;
//   - user_id, anonymous_id: exact (they are opaque strings chosen by the shop), but an
//     empty value is refused.
func Normalize(kind, value, defaultRegion string) (string, error) {
	switch kind {
	case KindEmail:
		v := strings.ToLower(strings.TrimSpace(value))
		at := strings.LastIndexByte(v, '@')
		if at < 1 || at == len(v)-1 || strings.ContainsFunc(v, unicode.IsSpace) {
			return "", fmt.Errorf("%w: email needs a local part, an @ and a domain", ErrNormalize)
		}
		return v, nil
	case KindPhone:
		return normalizePhone(value, defaultRegion)
	case KindUserID, KindAnonymousID:
		if value == "" {
			return "", fmt.Errorf("%w: empty %s", ErrNormalize, kind)
		}
		return value, nil
	}
	return "", fmt.Errorf("%w: unknown kind %q", ErrNormalize, kind)
}

func normalizePhone(value, defaultRegion string) (string, error) {
	v := strings.TrimSpace(value)
	plus := strings.HasPrefix(v, "+")
	var d strings.Builder
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || (r == '+' && i == 0):
		default:
			return "", fmt.Errorf("%w: phone numbers hold digits, spaces, dashes, dots and parentheses", ErrNormalize)
		}
	}
	digits := d.String()
	if !plus && strings.HasPrefix(digits, "00") {
		plus, digits = true, digits[2:]
	}
	switch {
	case plus:
	case isCNMobile(digits):
		digits = "86" + digits
	case len(digits) == 13 && strings.HasPrefix(digits, "86") && isCNMobile(digits[2:]):
	default:
		digits = defaultRegion + strings.TrimPrefix(digits, "0") // national trunk prefix
	}
	if len(digits) < 8 || len(digits) > 15 {
		return "", fmt.Errorf("%w: a phone number has 8 to 15 digits with its country code", ErrNormalize)
	}
	return "+" + digits, nil
}

func isCNMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}
