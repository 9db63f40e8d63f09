package cleanroom

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchOn names the identifier both sides join on.
type MatchOn string

// The match keys issue 22 allows.
const (
	MatchEmail MatchOn = "email"
	MatchPhone MatchOn = "phone"
)

// Valid reports whether m is a match key this package knows.
func (m MatchOn) Valid() bool { return m == MatchEmail || m == MatchPhone }

// Normalize returns the canonical form of raw for the match key on: an email trimmed
// and lower-cased, a phone number in E.164 (region is the default region for numbers
// written without a country code). Both sides normalise the same way, so " Alice@Example.COM"
// and "alice@example.com" meet in the intersection. Errors never quote raw: it is an
// identifier of a person.
func Normalize(on MatchOn, raw, region string) (string, error) {
	switch on {
	case MatchEmail:
		return NormalizeEmail(raw)
	case MatchPhone:
		return NormalizePhone(raw, region)
	}
	return "", &KeyError{On: on, Reason: ReasonMatchOn, Detail: "unknown match key"}
}

// MaxEmailLen is the longest address accepted, in bytes (RFC 5321's path limit less the
// angle brackets).
const MaxEmailLen = 254

// NormalizeEmail trims surrounding white space and lower-cases the address (issue 22:
// "normalised email (trim, lower-case)"). It does not fold provider-specific aliases
// (dots or "+tags" at some providers): that would merge addresses their owners keep apart,
// and both sides would have to agree on the same list. It rejects what cannot be a
// deliverable address: no or several '@', an empty local part or domain, a local part
// over 64 bytes, a domain without a dot or with an empty label, white space or control
// characters inside, invalid UTF-8, quoted local parts.
func NormalizeEmail(raw string) (string, error) {
	fail := func(reason, detail string) (string, error) {
		return "", &KeyError{On: MatchEmail, Reason: reason, Detail: detail}
	}
	if !utf8.ValidString(raw) {
		return fail(ReasonEncoding, "not valid UTF-8")
	}
	s := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case s == "":
		return fail(ReasonEmpty, "empty address")
	case len(s) > MaxEmailLen:
		return fail(ReasonTooLong, "longer than 254 bytes")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\\' {
			return fail(ReasonCharacter, "white space, control character, quote or backslash inside the address")
		}
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return fail(ReasonSyntax, "an address has exactly one '@'")
	}
	local, domain := s[:at], s[at+1:]
	switch {
	case local == "":
		return fail(ReasonSyntax, "empty local part")
	case len(local) > 64:
		return fail(ReasonTooLong, "local part longer than 64 bytes")
	case !strings.Contains(domain, "."):
		return fail(ReasonSyntax, "domain without a dot")
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fail(ReasonSyntax, "domain has an empty, over-long or hyphen-edged label")
		}
	}
	return s, nil
}
