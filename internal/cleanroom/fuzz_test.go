package cleanroom_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/cleanroom"
)

// FuzzNormalizeEmail: never panics; rejects only with a classified *KeyError that does not
// quote the input; what it accepts is trimmed, lower-case, has one '@', and is a fixed
// point.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"alice@example.com", "  Alice@Example.COM ", "a@b@c.d", "x@y", "é@例子.中国", "a@b..c", "\xff@a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := cleanroom.NormalizeEmail(s)
		if err != nil {
			var ke *cleanroom.KeyError
			if !errors.As(err, &ke) || ke.Reason == "" || ke.Detail == "" || got != "" {
				t.Fatalf("unclassified error %v", err)
			}
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatal("error quotes the input")
			}
			return
		}
		if !utf8.ValidString(got) || strings.Count(got, "@") != 1 || len(got) > cleanroom.MaxEmailLen ||
			got != strings.TrimSpace(got) || got != strings.ToLower(got) {
			t.Fatalf("accepted %q as %q", s, got)
		}
		if again, err := cleanroom.NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("not a fixed point: %q → %q, %v", got, again, err)
		}
	})
}

// FuzzNormalizePhone: never panics; rejects only with a classified *KeyError; what it
// accepts is '+' and 8 to 15 digits, and normalises to itself from any region.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "(010) 6552 9988",
		"(415) 555-2671", "011 49 30 1234567", "+49 (0)30 1234567", "06 1234 5678", "+", "((1))", "１３８"} {
		f.Add(s, "CN")
		f.Add(s, "US")
		f.Add(s, "IT")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		got, err := cleanroom.NormalizePhone(s, region)
		if err != nil {
			var ke *cleanroom.KeyError
			if !errors.As(err, &ke) || ke.Reason == "" || ke.Detail == "" || got != "" {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(got) < 6 || len(got) > 16 || got[0] != '+' || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("accepted %q as %q", s, got)
		}
		for _, r := range []string{"CN", "US", "DE"} {
			if again, err := cleanroom.NormalizePhone(got, r); err != nil || again != got {
				t.Fatalf("not a fixed point from %s: %q → %q, %v", r, got, again, err)
			}
		}
	})
}

// FuzzParseMessage: never panics; rejects only with a classified *MessageError; what it
// accepts marshals back to the same bytes.
func FuzzParseMessage(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Add([]byte("STCR"))
	f.Add([]byte("STCR\x01\x09\x01a" + strings.Repeat("\x00", 32)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := cleanroom.ParseMessage(b)
		if err != nil {
			var me *cleanroom.MessageError
			if !errors.As(err, &me) || me.Reason == "" || !errors.Is(err, cleanroom.ErrMalformed) || m != nil {
				t.Fatalf("unclassified error %T %v", err, err)
			}
			return
		}
		out, err := m.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("round trip: %v, equal %v", err, bytes.Equal(out, b))
		}
	})
}

// seedMessages returns one of each message kind from a real small job, and withheld
// results.
func seedMessages(tb testing.TB) [][]byte {
	var out [][]byte
	for _, p := range []cleanroom.Protocol{cleanroom.PSICardinality, cleanroom.IntersectionSum} {
		a, b, _, _ := sides(cleanroom.MatchEmail, 60, 60, 55, 1)
		cfg := config(tb, p, cleanroom.MatchEmail)
		ini, par := newPair(tb, cfg, cfg, a, b)
		w := run(tb, ini, par)
		for _, m := range append(w.fromInitiator, w.fromPartner...) {
			if len(m) < 4096 { // keep the corpus small: values messages are 384 KiB
				out = append(out, m)
			}
		}
		a, b, _, _ = sides(cleanroom.MatchEmail, 5, 5, 2, 1)
		ini, par = newPair(tb, cfg, cfg, a, b)
		w = run(tb, ini, par)
		out = append(out, w.fromInitiator...)
	}
	return out
}

// ParseMessage refuses each kind of malformation with its reason.
func TestParseMessageRejects(t *testing.T) {
	seeds := seedMessages(t)
	blinded := seeds[0]
	job := len("job-7")
	hdr := 4 + 1 + 1 + 1 + job + 32
	cases := []struct {
		name   string
		b      []byte
		reason string
	}{
		{"empty", nil, cleanroom.ReasonTruncated},
		{"magic", append([]byte("STCX"), blinded[4:]...), cleanroom.ReasonMagic},
		{"version", append([]byte("STCR\x02"), blinded[5:]...), cleanroom.ReasonMagic},
		{"kind", append(append([]byte(nil), blinded[:5]...), append([]byte{9}, blinded[6:]...)...), cleanroom.ReasonKind},
		{"job empty", append([]byte("STCR\x01\x01\x00"), make([]byte, 36)...), cleanroom.ReasonJob},
		{"job byte", append(append([]byte("STCR\x01\x01\x05job 7"), make([]byte, 32)...), 0, 0, 0, 0), cleanroom.ReasonJob},
		{"job long", append([]byte("STCR\x01\x01\x41"), make([]byte, 200)...), cleanroom.ReasonJob},
		{"truncated header", blinded[:hdr-1], cleanroom.ReasonTruncated},
		{"truncated count", blinded[:hdr+2], cleanroom.ReasonTruncated},
		{"truncated points", blinded[:len(blinded)-1], cleanroom.ReasonTruncated},
		{"trailing", append(bytes.Clone(blinded), 0), cleanroom.ReasonTrailing},
		{"count over the limit", append(append(bytes.Clone(blinded[:hdr]), 0x01, 0x00, 0x00, 0x01), make([]byte, 64)...), cleanroom.ReasonCount},
		{"withheld with a size", append(append([]byte("STCR\x01\x04\x05job-7"), make([]byte, 32)...), 2, 0, 0, 0, 0, 0, 0, 0, 1, 0), cleanroom.ReasonValue},
		{"unknown status", append(append([]byte("STCR\x01\x04\x05job-7"), make([]byte, 32)...), 3, 0, 0, 0, 0, 0, 0, 0, 0, 0), cleanroom.ReasonValue},
		{"sum flag", append(append([]byte("STCR\x01\x04\x05job-7"), make([]byte, 32)...), 1, 0, 0, 0, 0, 0, 0, 0, 60, 2), cleanroom.ReasonValue},
		{"params", append(append([]byte("STCR\x01\x03\x05job-7"), make([]byte, 32)...), 7), cleanroom.ReasonParams},
		{"coefficient", append(append(append([]byte("STCR\x01\x03\x05job-7"), make([]byte, 32)...), 1), bytes.Repeat([]byte{0xff}, 8)...), cleanroom.ReasonTruncated},
	}
	// An unreduced coefficient in a full-size public key.
	ctBytes := 2 * 3 * 8192 * 8
	unreduced := append(append([]byte("STCR\x01\x03\x05job-7"), make([]byte, 32)...), 1)
	unreduced = append(unreduced, bytes.Repeat([]byte{0xff}, ctBytes)...)
	unreduced = append(unreduced, 0, 0, 0, 0)
	cases = append(cases, struct {
		name   string
		b      []byte
		reason string
	}{"unreduced", unreduced, cleanroom.ReasonCoeff})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := cleanroom.ParseMessage(c.b)
			var me *cleanroom.MessageError
			if !errors.As(err, &me) || m != nil {
				t.Fatalf("got %v, %v; want a *MessageError", m, err)
			}
			if me.Reason != c.reason {
				t.Fatalf("reason %s (%v), want %s", me.Reason, err, c.reason)
			}
		})
	}
	// Marshal refuses what Parse would.
	if _, err := (&cleanroom.Share{Header: cleanroom.Header{Job: "a b"}}).MarshalBinary(); !errors.Is(err, cleanroom.ErrMalformed) {
		t.Fatalf("marshal with a bad job id: %v", err)
	}
	if _, err := (&cleanroom.Result{Header: cleanroom.Header{Job: "j"}, Status: cleanroom.StatusWithheld, Size: 3}).MarshalBinary(); !errors.Is(err, cleanroom.ErrMalformed) {
		t.Fatalf("marshal a withheld result with a size: %v", err)
	}
}
