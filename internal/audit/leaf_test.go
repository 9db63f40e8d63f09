package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// checkCanonical holds Canonical (with its fast path) to the general definition.
func checkCanonical(t *testing.T, l Leaf) {
	t.Helper()
	got, err := l.Canonical()
	if l.Act == "" || l.Actor == "" {
		if err == nil {
			t.Fatalf("leaf without act or actor accepted: %+v", l)
		}
		return
	}
	want, wantErr := l.canonicalGeneral()
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("Canonical(%+v) error = %v, general error = %v", l, err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Canonical(%+v) =\n%s\ngeneral\n%s", l, got, want)
	}
}

func TestCanonicalFastPathMatchesGeneral(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	for name, l := range map[string]Leaf{
		"minimal":   {Act: ActRead, Actor: "system"},
		"consent":   {Seq: 42, Time: at, Act: ActConsentChange, Subject: "ps_abc", Actor: "subject", Purpose: "marketing.advertising", Categories: []string{"user.behavior", "user.device"}, LegalBasis: "consent", Detail: map[string]string{"granted": "true", "method": "banner", "record": "cr_1"}},
		"escapes":   {Act: "a<b>&c", Actor: "\"q\"\\\n\t\u2028", Recipient: "收件人", Detail: map[string]string{"<k>": "", "": "v"}},
		"invalid":   {Act: ActExport, Actor: "op\xff", Detail: map[string]string{"\xfe": "x"}},
		"bigseq":    {Seq: 1<<53 + 1, Act: ActRead, Actor: "system"},
		"maxseq":    {Seq: 1 << 53, Act: ActRead, Actor: "system"},
		"year10000": {Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Act: ActRead, Actor: "system"},
		"zonesecs":  {Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 8*3600+5*60+43)), Act: ActRead, Actor: "system"},
		"noact":     {Actor: "system"},
	} {
		t.Run(name, func(t *testing.T) { checkCanonical(t, l) })
	}
}

func FuzzCanonical(f *testing.F) {
	f.Add(uint64(42), int64(1795420800), int64(123456789), 8*3600, "consent_change", "subject", "ps_abc", "marketing", "user.behavior|user.device", "consent", "", "granted=true|method=banner")
	f.Add(uint64(1<<53+1), int64(-62167219200), int64(0), 0, "a<b>", "\xff", "", "", "", "", "r&d", "\u2028=\xfe")
	f.Add(uint64(0), int64(253402300800), int64(1), -3*3600-30, "read", "system", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, seq uint64, sec, nsec int64, offset int, act, actor, subject, purpose, cats, basis, recipient, detail string) {
		l := Leaf{Seq: seq, Time: time.Unix(sec, nsec).In(time.FixedZone("z", offset%(24*3600))), Act: Act(act), Actor: actor,
			Subject: subject, Purpose: purpose, LegalBasis: basis, Recipient: recipient}
		if cats != "" {
			l.Categories = strings.Split(cats, "|")
		}
		if detail != "" {
			l.Detail = map[string]string{}
			for _, kv := range strings.Split(detail, "|") {
				k, v, _ := strings.Cut(kv, "=")
				l.Detail[k] = v
			}
		}
		checkCanonical(t, l)
	})
}
