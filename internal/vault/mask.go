package vault

import (
	"strings"
	"unicode/utf8"
)

// Display kinds Mask understands beyond the identifier kinds.
const (
	KindIDNumber = "id_number" // national ID, passport: first 3 and last 4 kept
	KindName     = "name"      // a person's name: surname kept
)

// Mask renders a value for display to someone who may see that it exists but not what it
// is: phone 138****1234, email a***@example.com, ID numbers keep the first 3 and last 4,
// Chinese names keep the surname (the first character), Latin names the first letter of
// each part. Unknown kinds are masked entirely.
func Mask(kind, value string) string {
	switch kind {
	case KindPhone:
		d := value
		if n, err := normalizePhone(value, ""); err == nil {
			d = strings.TrimPrefix(n, "+")
			if strings.HasPrefix(d, "86") && isCNMobile(d[2:]) {
				d = d[2:]
			}
		}
		return keepEnds(d, 3, 4)
	case KindEmail:
		at := strings.LastIndexByte(value, '@')
		if at < 1 {
			return "***"
		}
		r, _ := utf8.DecodeRuneInString(value)
		return string(r) + "***" + value[at:]
	case KindIDNumber:
		return keepEnds(value, 3, 4)
	case KindName:
		return maskName(value)
	}
	return "***"
}

func keepEnds(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

func maskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	if r[0] >= 0x4E00 && r[0] <= 0x9FFF { // CJK: surname first
		return string(r[0]) + strings.Repeat("*", len(r)-1)
	}
	parts := strings.Fields(string(r))
	for i, p := range parts {
		pr := []rune(p)
		parts[i] = string(pr[0]) + strings.Repeat("*", len(pr)-1)
	}
	return strings.Join(parts, " ")
}
