package rights

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
)

// FuzzPlainAddress: an address the visitor form accepts can never break a mail header
// (no CR, LF, brackets or separators), and the message rendered for it parses with its
// recipient intact.
func FuzzPlainAddress(f *testing.F) {
	for _, s := range []string{"li.na@example.com", "a@b", "x@y.z\r\nBcc: evil@example.com", "<a@b>", "a b@c", "@b", "a@", "名@例子.中国", strings.Repeat("a", 260) + "@b.c"} {
		f.Add(s)
	}
	m := &SMTPMailer{cfg: SMTPConfig{From: "privacy@shop.example.com", FromName: "晨光母婴"}}
	f.Fuzz(func(t *testing.T, a string) {
		if !plainAddress(a) {
			return
		}
		if strings.ContainsAny(a, "\r\n<>,; \t") || len(a) > 254 {
			t.Fatalf("accepted %q", a)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.render(a, "您的验证码：123456", "body")))
		if err != nil {
			t.Fatalf("rendered message for %q does not parse: %v", a, err)
		}
		if got := msg.Header.Get("To"); got != "<"+a+">" {
			t.Fatalf("To = %q for %q", got, a)
		}
		if subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); subj != "您的验证码：123456" {
			t.Fatalf("subject %q", subj)
		}
		if len(msg.Header["Bcc"]) != 0 || len(msg.Header["Cc"]) != 0 {
			t.Fatalf("a header was smuggled in through %q", a)
		}
	})
}
