package campaign_test

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/campaign"
)

// encodings returns s as every encoding a careless token could carry it in: raw, hex in
// both cases, base32, and base64 (standard and URL alphabets, padded or not) at each of
// the three alignments a value can sit at inside a longer encoded payload.
func encodings(s string) []string {
	out := []string{s, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))),
		strings.TrimRight(base32.StdEncoding.EncodeToString([]byte(s)), "=")}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		for pre := range 3 {
			e := enc.EncodeToString(append(make([]byte, pre), s...))
			// Drop the characters the prefix and the last partial group touch.
			skip := (pre*8 + 5) / 6
			e = strings.TrimRight(e, "=")
			if len(e) > skip+2 {
				out = append(out, e[skip:len(e)-2])
			}
		}
	}
	return out
}

// An unsubscribe link names nobody: the token carries no subject id in any encoding, two
// links for the same person differ, and a token altered in any byte, truncated, extended,
// or made under another deployment's secret does nothing. The genuine one records the
// objection (PT-07).
func TestUnsubscribeTokenIsOpaqueAndUnforgeable(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	h := newHarness(t, harnessOpts{clock: clk})
	ctx := context.Background()
	const subject = "sub_0123456789abcdef_Person"
	h.elig.set(subject, person{consent: true, contactID: "u-1", tz: "Asia/Shanghai"})
	h.segs.members["all"] = []string{subject}
	h.define(t, spec("sale", ""))
	b, err := h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "sale", Run: "r1", Batch: "b", Step: -1, Subjects: []string{subject}}, 1, 4)
	if err != nil || b.Delivered != 1 {
		t.Fatalf("deliver: %+v %v", b, err)
	}
	var link string
	for _, wb := range h.sink.bodies {
		link = wb.UnsubscribeURL
	}
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("t") == "" {
		t.Fatalf("unsubscribe link %q", link)
	}
	tok := u.Query().Get("t")
	for _, enc := range encodings(subject) {
		if strings.Contains(tok, enc) || strings.Contains(link, enc) {
			t.Fatalf("the link carries the subject id (as %q): %s", enc, link)
		}
	}
	// The same person's next link is another string: tokens are not a stable pseudonym.
	if again := h.svc.UnsubscribeToken(subject, "sale", "msg_x"); again == h.svc.UnsubscribeToken(subject, "sale", "msg_x") {
		t.Fatal("two tokens for the same message are equal: no random nonce")
	}

	other := newHarness(t, harnessOpts{clock: clk, secret: []byte(strings.Repeat("another deployment secret!", 2))})
	forged := []string{"", "v2.", "v1." + tok[3:], tok[:len(tok)-1], tok + "A", tok[:len(tok)-10],
		other.svc.UnsubscribeToken(subject, "sale", "msg_x")}
	raw, _ := base64.RawURLEncoding.DecodeString(tok[3:])
	for i := range raw {
		alt := append([]byte(nil), raw...)
		alt[i] ^= 0x01
		forged = append(forged, "v2."+base64.RawURLEncoding.EncodeToString(alt))
	}
	for _, f := range forged {
		if err := h.svc.Unsubscribe(ctx, f); !errors.Is(err, campaign.ErrBadToken) {
			t.Fatalf("token %q: err %v, want ErrBadToken", f, err)
		}
	}
	if h.elig.people[subject].objected {
		t.Fatal("a forged or altered token recorded an objection")
	}
	if err := h.svc.Unsubscribe(ctx, tok); err != nil || !h.elig.people[subject].objected {
		t.Fatalf("genuine token: err %v, objected %v", err, h.elig.people[subject].objected)
	}
}
