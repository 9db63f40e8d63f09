package cleanroom_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/cleanroom"
)

func TestNormalizeEmail(t *testing.T) {
	ok := []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"  Alice@Example.COM\t\n", "alice@example.com"},
		{"Bob.Smith+news@Mail.Example.co.uk", "bob.smith+news@mail.example.co.uk"},
		{"ZHANG.Wei@例子.中国", "zhang.wei@例子.中国"},
		{"x@a.b", "x@a.b"},
	}
	for _, c := range ok {
		got, err := cleanroom.NormalizeEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, reason string }{
		{"", cleanroom.ReasonEmpty},
		{"   ", cleanroom.ReasonEmpty},
		{"alice", cleanroom.ReasonSyntax},
		{"alice@@example.com", cleanroom.ReasonSyntax},
		{"a@b@example.com", cleanroom.ReasonSyntax},
		{"@example.com", cleanroom.ReasonSyntax},
		{"alice@localhost", cleanroom.ReasonSyntax},
		{"alice@example..com", cleanroom.ReasonSyntax},
		{"alice@.example.com", cleanroom.ReasonSyntax},
		{"alice@example.com.", cleanroom.ReasonSyntax},
		{"alice@-example.com", cleanroom.ReasonSyntax},
		{"al ice@example.com", cleanroom.ReasonCharacter},
		{"alice@exa\x00mple.com", cleanroom.ReasonCharacter},
		{`"alice"@example.com`, cleanroom.ReasonCharacter},
		{"alice\xff@example.com", cleanroom.ReasonEncoding},
		{strings.Repeat("a", 65) + "@example.com", cleanroom.ReasonTooLong},
		{"a@" + strings.Repeat("b", 250) + ".com", cleanroom.ReasonTooLong},
	}
	for _, c := range bad {
		_, err := cleanroom.NormalizeEmail(c.in)
		checkKeyError(t, c.in, err, c.reason)
	}
}

func TestNormalizePhone(t *testing.T) {
	ok := []struct{ in, region, want string }{
		// China: mobile and fixed, national and international forms.
		{"13800138000", "CN", "+8613800138000"},
		{"138 0013 8000", "CN", "+8613800138000"},
		{"138-0013-8000", "CN", "+8613800138000"},
		{"+86 138 0013 8000", "CN", "+8613800138000"},
		{"+86 138 0013 8000", "US", "+8613800138000"},
		{"0086 13800138000", "CN", "+8613800138000"},
		{"0086-138-0013-8000", "DE", "+8613800138000"},
		{"011 86 138 0013 8000", "US", "+8613800138000"},
		{"(010) 6552 9988", "CN", "+861065529988"},
		{"010-65529988", "CN", "+861065529988"},
		{"021 5012 3456", "CN", "+862150123456"},
		{"0571-8765-4321", "CN", "+8657187654321"},
		{"0755 1234567", "CN", "+867551234567"},
		{"400-810-8888", "CN", "+864008108888"},
		// NANP.
		{"(415) 555-2671", "US", "+14155552671"},
		{"415.555.2671", "US", "+14155552671"},
		{"1 415 555 2671", "US", "+14155552671"},
		{"+1 (415) 555-2671", "CN", "+14155552671"},
		// EU: trunk prefix dropped, Italy keeps its 0.
		{"030 1234567", "DE", "+49301234567"},
		{"+49 (0)30 1234567", "CN", "+49301234567"},
		{"+49 30 1234567", "FR", "+49301234567"},
		{"01 23 45 67 89", "FR", "+33123456789"},
		{"06 12 34 56 78", "fr", "+33612345678"},
		{"+33 6 12 34 56 78", "US", "+33612345678"},
		{"06 1234 5678", "IT", "+390612345678"},
		{"+39 06 1234 5678", "IT", "+390612345678"},
		{"+39 312 345 6789", "DE", "+393123456789"},
		{"020 123 4567", "NL", "+31201234567"},
		{"+353 1 234 5678", "IE", "+35312345678"},
		{"612 345 678", "ES", "+34612345678"},
		{"+48 12 345 67 89", "PL", "+48123456789"},
		{"2101234567", "GR", "+302101234567"},
	}
	for _, c := range ok {
		got, err := cleanroom.NormalizePhone(c.in, c.region)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %s) = %q, %v; want %q", c.in, c.region, got, err, c.want)
		}
		// Normalising is idempotent: the E.164 form normalises to itself, from any region.
		if err == nil {
			if again, err := cleanroom.NormalizePhone(got, "US"); err != nil || again != got {
				t.Errorf("NormalizePhone(%q) = %q, %v: not idempotent", got, again, err)
			}
		}
	}
	bad := []struct{ in, region, reason string }{
		{"13800138000", "JP", cleanroom.ReasonRegion},
		{"13800138000", "", cleanroom.ReasonRegion},
		{"", "CN", cleanroom.ReasonEmpty},
		{"  ", "CN", cleanroom.ReasonEmpty},
		{strings.Repeat("1", 65), "CN", cleanroom.ReasonTooLong},
		{"+81 3 1234 5678", "CN", cleanroom.ReasonCountry},  // Japan
		{"+44 20 7946 0958", "DE", cleanroom.ReasonCountry}, // the UK left the EU
		{"+7 495 123 4567", "CN", cleanroom.ReasonCountry},
		{"138 0013 800", "CN", cleanroom.ReasonPattern}, // a 10-digit mobile
		{"0755 123 45", "CN", cleanroom.ReasonLength},
		{"1380013800012", "CN", cleanroom.ReasonLength},
		{"12800138000", "CN", cleanroom.ReasonPattern}, // no 12x mobile prefix
		{"020 1234 567", "CN", cleanroom.ReasonLength},
		{"020 1234 56789", "CN", cleanroom.ReasonPattern}, // a 2-digit area code has 8-digit numbers
		{"(415) 555-267", "US", cleanroom.ReasonLength},
		{"(115) 555-2671", "US", cleanroom.ReasonPattern}, // area code starts with 1
		{"(415) 155-2671", "US", cleanroom.ReasonPattern}, // exchange starts with 1
		{"(911) 555-2671", "US", cleanroom.ReasonPattern}, // N11 service code
		{"+49 030 1234567", "DE", cleanroom.ReasonSyntax}, // trunk 0 after the country code
		{"+49 (0)30 (0)1234567", "DE", cleanroom.ReasonSyntax},
		{"+(0)30 1234567", "DE", cleanroom.ReasonSyntax},
		{"+4930 (0)1234567", "DE", cleanroom.ReasonSyntax},
		{"138-0013-8000 ext 12", "CN", cleanroom.ReasonCharacter},
		{"138-0013-8000#12", "CN", cleanroom.ReasonCharacter},
		{"１３８００１３８０００", "CN", cleanroom.ReasonCharacter}, // full-width digits
		{"tel:+8613800138000", "CN", cleanroom.ReasonCharacter},
		{"138+00138000", "CN", cleanroom.ReasonSyntax},
		{"++8613800138000", "CN", cleanroom.ReasonSyntax},
		{"((010)) 6552 9988", "CN", cleanroom.ReasonSyntax},
		{"(010 6552 9988", "CN", cleanroom.ReasonSyntax},
		{"010) 6552 9988", "CN", cleanroom.ReasonSyntax},
		{"+", "CN", cleanroom.ReasonCountry},
		{"+86", "CN", cleanroom.ReasonLength},
		{"+1 415 555 2671 12345", "US", cleanroom.ReasonLength},
	}
	for _, c := range bad {
		_, err := cleanroom.NormalizePhone(c.in, c.region)
		checkKeyError(t, c.in, err, c.reason)
	}
}

func TestNormalizeDispatch(t *testing.T) {
	if got, err := cleanroom.Normalize(cleanroom.MatchEmail, " A@B.CN ", ""); err != nil || got != "a@b.cn" {
		t.Fatalf("email: %q %v", got, err)
	}
	if got, err := cleanroom.Normalize(cleanroom.MatchPhone, "138 0013 8000", "CN"); err != nil || got != "+8613800138000" {
		t.Fatalf("phone: %q %v", got, err)
	}
	_, err := cleanroom.Normalize("name", "alice", "")
	checkKeyError(t, "alice", err, cleanroom.ReasonMatchOn)
}

func checkKeyError(t *testing.T, in string, err error, reason string) {
	t.Helper()
	var ke *cleanroom.KeyError
	if !errors.As(err, &ke) || !errors.Is(err, cleanroom.ErrInvalidKey) {
		t.Errorf("%q: error %v (%T), want a *KeyError", in, err, err)
		return
	}
	if ke.Reason != reason {
		t.Errorf("%q: reason %s (%v), want %s", in, ke.Reason, err, reason)
	}
	if len(in) >= 4 && strings.Contains(err.Error(), strings.TrimSpace(in)) {
		t.Errorf("%q: the error quotes the identifier: %v", in, err)
	}
}
