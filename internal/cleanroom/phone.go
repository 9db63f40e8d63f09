package cleanroom

import (
	"strings"
)

// country is one numbering plan the phone normaliser knows: its E.164 country code, the
// lengths of a national significant number (NSN, the digits after the country code), and
// whether national numbers are dialled with a leading trunk '0' that is not part of the
// NSN (true everywhere here except Italy, where the '0' of a fixed line belongs to the
// number, and the NANP, whose trunk prefix is '1').
type country struct {
	region   string
	code     string
	min, max int
	trunk0   bool
}

// countries lists China, the North American Numbering Plan (+1, region US) and the 27
// member states of the EU. NSN lengths are the usual fixed and mobile lengths of each
// national plan as summarised in libphonenumber's metadata; they are deliberately a
// little narrower than "any length the plan has ever used" (strictness over recall: a
// malformed key excluded is better than two people joined by a typo). Only China and the
// NANP get a pattern check beyond length, see validNSN.
var countries = []country{
	{"CN", "86", 10, 11, true},
	{"US", "1", 10, 10, false},
	{"AT", "43", 4, 13, true},
	{"BE", "32", 8, 9, true},
	{"BG", "359", 6, 9, true},
	{"HR", "385", 6, 9, true},
	{"CY", "357", 8, 8, false},
	{"CZ", "420", 9, 9, false},
	{"DK", "45", 8, 8, false},
	{"EE", "372", 7, 8, false},
	{"FI", "358", 5, 12, true},
	{"FR", "33", 9, 9, true},
	{"DE", "49", 5, 15, true},
	{"GR", "30", 10, 10, false},
	{"HU", "36", 8, 9, true},
	{"IE", "353", 7, 10, true},
	{"IT", "39", 6, 11, false},
	{"LV", "371", 8, 8, false},
	{"LT", "370", 8, 8, true},
	{"LU", "352", 4, 11, false},
	{"MT", "356", 8, 8, false},
	{"NL", "31", 9, 9, true},
	{"PL", "48", 9, 9, false},
	{"PT", "351", 9, 9, false},
	{"RO", "40", 9, 9, true},
	{"SK", "421", 9, 9, true},
	{"SI", "386", 8, 8, true},
	{"ES", "34", 9, 9, false},
	{"SE", "46", 7, 10, true},
}

var (
	byRegion = map[string]*country{}
	byCode   = map[string]*country{}
)

func init() {
	for i := range countries {
		c := &countries[i]
		byRegion[c.region] = c
		byCode[c.code] = c
	}
}

// Regions lists the default regions NormalizePhone accepts.
func Regions() []string {
	out := make([]string, len(countries))
	for i, c := range countries {
		out[i] = c.region
	}
	return out
}

// MaxPhoneLen bounds the raw input, in bytes.
const MaxPhoneLen = 64

// NormalizePhone returns raw in E.164 ("+8613800138000"). Numbers written with '+' (or
// the international prefix "00", or "011" when the default region is US) carry their own
// country code; others are national numbers of region, whose trunk prefix is dropped
// ("010-1234-5678" in CN is +86 10 1234 5678, "1 415 555 2671" in US is +1 415 555 2671).
//
// It is strict: ASCII digits and the separators space, '-', '.', '/' and balanced,
// unnested parentheses only; '+' only first; a "(0)" only right after an international
// country code ("+49 (0)30 ..." is read as +49 30 ...); no extensions, letters or
// full-width digits; the country must be China, the NANP or an EU member state; the NSN
// must have a length that plan uses, must not start with '0' (Italy excepted), and in
// China and the NANP must match the plan's pattern. Errors never quote raw.
func NormalizePhone(raw, region string) (string, error) {
	fail := func(reason, detail string) (string, error) {
		return "", &KeyError{On: MatchPhone, Reason: reason, Detail: detail}
	}
	def := byRegion[strings.ToUpper(region)]
	if def == nil {
		return fail(ReasonRegion, "default region is not CN, US or an EU member state")
	}
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return fail(ReasonEmpty, "empty number")
	case len(s) > MaxPhoneLen:
		return fail(ReasonTooLong, "longer than 64 bytes")
	}
	plus := s[0] == '+'
	if plus {
		s = s[1:]
		// "+49 (0)30 ..." writes the trunk prefix for national callers; it is not dialled
		// from abroad.
		if i := strings.Index(s, "(0)"); i >= 0 {
			if byCode[strings.TrimRight(s[:i], " ")] == nil || strings.Contains(s[i+3:], "(0)") {
				return fail(ReasonSyntax, "\"(0)\" only once, right after the country code")
			}
			s = s[:i] + " " + s[i+3:]
		}
	}
	digits := make([]byte, 0, len(s))
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '/':
		case c == '(':
			if depth++; depth > 1 {
				return fail(ReasonSyntax, "nested parentheses")
			}
		case c == ')':
			if depth--; depth < 0 {
				return fail(ReasonSyntax, "unbalanced parentheses")
			}
		case c == '+':
			return fail(ReasonSyntax, "'+' only at the start")
		default:
			return fail(ReasonCharacter, "only digits, spaces, '-', '.', '/', parentheses and a leading '+'")
		}
	}
	if depth != 0 {
		return fail(ReasonSyntax, "unbalanced parentheses")
	}
	d := string(digits)
	var intl bool
	switch {
	case plus:
		intl = true
	case def.code == "1" && strings.HasPrefix(d, "011"):
		d, intl = d[3:], true
	case def.code != "1" && strings.HasPrefix(d, "00"):
		d, intl = d[2:], true
	}
	var c *country
	var nsn string
	if intl {
		for n := 1; n <= 3 && n <= len(d); n++ {
			if c = byCode[d[:n]]; c != nil {
				nsn = d[n:]
				break
			}
		}
		if c == nil {
			return fail(ReasonCountry, "country code is not CN, NANP or an EU member state")
		}
	} else {
		c, nsn = def, d
		switch {
		case c.code == "1" && len(nsn) == 11 && nsn[0] == '1':
			nsn = nsn[1:]
		case c.trunk0 && strings.HasPrefix(nsn, "0"):
			nsn = nsn[1:]
		}
	}
	if len(nsn) < c.min || len(nsn) > c.max {
		return fail(ReasonLength, "national number has a length its country does not use")
	}
	if nsn[0] == '0' && c.region != "IT" {
		return fail(ReasonSyntax, "national number starts with a trunk '0'")
	}
	if len(c.code)+len(nsn) > 15 {
		return fail(ReasonLength, "longer than 15 digits (E.164)")
	}
	if !validNSN(c, nsn) {
		return fail(ReasonPattern, "not a number of its country's plan")
	}
	return "+" + c.code + nsn, nil
}

// validNSN checks the plan patterns the normaliser knows beyond length.
//   - CN: mobile 1[3-9] + 9 digits; fixed lines Beijing "10" or a "2x" area code with 8
//     digits, or a 3-digit area code starting 3-9 with 7 or 8 digits.
//   - NANP: NXX-NXX-XXXX with N in 2-9, and the area code not an N11 service code.
func validNSN(c *country, nsn string) bool {
	switch c.region {
	case "CN":
		switch {
		case strings.HasPrefix(nsn, "10") || nsn[0] == '2':
			return len(nsn) == 10
		case nsn[0] == '1':
			return len(nsn) == 11 && nsn[1] >= '3'
		}
		return true
	case "US":
		return nsn[0] >= '2' && nsn[3] >= '2' && nsn[1:3] != "11"
	}
	return true
}
