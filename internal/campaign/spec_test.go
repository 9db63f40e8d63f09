package campaign_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/campaign"
)

const goodCampaign = `{
  "id": "spring-sale",
  "name": "Spring sale",
  "purpose": "marketing.communications.email",
  "audience": {"segment": "recent_buyers"},
  "channel": {"type": "email"},
  "sender": "Demo Shop",
  "locale": "zh-CN",
  "content": {
    "personalised": {"subject": "{{.name}}，春季促销", "body": "您关注的商品降价了。"},
    "plain": {"subject": "春季促销", "body": "全场八折。"}
  },
  "schedule": {"kind": "recurring", "cron": "0 10 * * 1", "timezone": "Asia/Shanghai"},
  "holdout": 0.1,
  "conversion": {"event": "Order Completed", "window": "7d"},
  "caps": {"max": 2, "window": "7d"},
  "quiet_hours": {"start": "21:00", "end": "08:00", "action": "defer"}
}`

const goodJourney = `{
  "id": "welcome",
  "purpose": "marketing.communications.push",
  "entry": {"event": "Signed Up"},
  "channel": {"type": "webhook"},
  "conversion": {"event": "Order Completed", "window": "14d"},
  "steps": [
    {"id": "hello", "send": {"content": {"plain": {"body": "欢迎！"}}}},
    {"id": "wait", "wait": "2d"},
    {"id": "morning", "wait_until": "09:00"},
    {"id": "vip", "branch": {"segment": "vip", "then": "vip_offer", "else": "offer"}},
    {"id": "vip_offer", "send": {"content": {"personalised": {"body": "{{.name}}，会员专享"}}}, "next": "done"},
    {"id": "offer", "send": {"content": {"plain": {"body": "新人券"}}}},
    {"id": "done", "exit": true}
  ]
}`

func TestParseGood(t *testing.T) {
	c, err := campaign.ParseCampaign([]byte(goodCampaign))
	if err != nil {
		t.Fatal(err)
	}
	// Mondays 10:00 in Shanghai = 02:00 UTC.
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) // a Friday
	if n := c.Schedule.Next(from); !n.Equal(time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("next run = %v", n)
	}
	j, err := campaign.ParseJourney([]byte(goodJourney))
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Steps) != 7 || j.ContentID(4) != "welcome/vip_offer" {
		t.Fatalf("journey = %+v", j)
	}
	every, err := campaign.ParseCampaign([]byte(strings.Replace(goodCampaign, `"cron": "0 10 * * 1", "timezone": "Asia/Shanghai"`,
		`"every": "36h", "at": "2026-05-01T00:00:00Z", "until": "2026-05-05T00:00:00Z"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if n := every.Schedule.Next(from); !n.Equal(from.Add(36 * time.Hour)) {
		t.Fatalf("every: next = %v", n)
	}
	if n := every.Schedule.Next(from.Add(72 * time.Hour)); !n.IsZero() {
		t.Fatalf("every: run after until = %v", n)
	}
}

// Every error names where it is and what is wrong (a JSON pointer; line and column for
// JSON-level faults).
func TestParseErrors(t *testing.T) {
	repl := func(old, new string) string { return strings.Replace(goodCampaign, old, new, 1) }
	for _, c := range []struct {
		name, spec, pointer, reason string
	}{
		{"syntax", `{"id": "x",}`, "", "invalid character"},
		{"unknown member", repl(`"holdout": 0.1`, `"holdot": 0.1`), "/holdot", "unknown member"},
		{"duplicate member", repl(`"holdout": 0.1`, `"holdout": 0.1, "holdout": 0.2`), "/holdout", "duplicate"},
		{"wrong type", repl(`"holdout": 0.1`, `"holdout": "10%"`), "/holdout", "string"},
		{"trailing data", goodCampaign + ` {}`, "", "invalid character"},
		{"bad id", repl(`"spring-sale"`, `"Spring Sale"`), "/id", "lower-case"},
		{"bad purpose", repl(`"marketing.communications.email"`, `"Marketing!"`), "/purpose", "purpose key"},
		{"no segment", repl(`"segment": "recent_buyers"`, `"segment": ""`), "/audience/segment", "required"},
		{"bad channel", repl(`"type": "email"`, `"type": "sms"`), "/channel/type", "not webhook"},
		{"ad audience without recipient", repl(`{"type": "email"}`, `{"type": "ad_audience", "destination": "x"}`), "/channel/recipient", "PIPL Art. 23"},
		{"holdout too big", repl(`"holdout": 0.1`, `"holdout": 0.9`), "/holdout", "between 0 and 0.5"},
		{"plain uses attributes", repl(`"subject": "春季促销"`, `"subject": "{{.name}}"`), "/content/plain/subject", "may not use"},
		{"bad template", repl(`{{.name}}，春季促销`, `{{.name`), "/content/personalised/subject", "not a valid template"},
		{"email without subject", repl(`"subject": "春季促销", `, ``), "/content/plain/subject", "required for email"},
		{"no variant", repl(`"content": {`, `"content": {}, "x_content": {`), "/x_content", "unknown member"},
		{"bad cron", repl(`"0 10 * * 1"`, `"0 25 * * 1"`), "/schedule/cron", "end of range"},
		{"cron and every", repl(`"cron": "0 10 * * 1"`, `"cron": "0 10 * * 1", "every": "1h"`), "/schedule", "exactly one"},
		{"bad timezone", repl(`"Asia/Shanghai"`, `"Mars/Olympus"`), "/schedule/timezone", "IANA"},
		{"bad duration", repl(`"window": "7d"}`, `"window": "a week"}`), "/conversion/window", "not a duration"},
		{"bad clock", repl(`"21:00"`, `"9pm"`), "/quiet_hours/start", "HH:MM"},
		{"bad kind", repl(`"kind": "recurring"`, `"kind": "sometimes"`), "/schedule/kind", "not once"},
		{"cap zero", repl(`"max": 2`, `"max": 0`), "/caps/max", "at least 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := campaign.ParseCampaign([]byte(c.spec))
			var se *campaign.SpecError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SpecError", err)
			}
			if se.Pointer != c.pointer || !strings.Contains(se.Reason, c.reason) {
				t.Fatalf("err = %q (pointer %q); want pointer %q and a reason with %q", err, se.Pointer, c.pointer, c.reason)
			}
		})
	}
	_, err := campaign.ParseCampaign([]byte("{\n  \"id\": \"x\",\n  \"holdout\": \"no\"\n}"))
	if err == nil || !strings.Contains(err.Error(), "3:14: /holdout") {
		t.Fatalf("located error = %v; want line 3 column 14", err)
	}
}

func TestParseJourneyErrors(t *testing.T) {
	repl := func(old, new string) string { return strings.Replace(goodJourney, old, new, 1) }
	for _, c := range []struct{ name, spec, pointer, reason string }{
		{"two entries", repl(`{"event": "Signed Up"}`, `{"event": "Signed Up", "segment": "new"}`), "/entry", "exactly one"},
		{"unknown step", repl(`"else": "offer"`, `"else": "offr"`), "/steps/3/branch/else", `no step is named "offr"`},
		{"two kinds", repl(`{"id": "wait", "wait": "2d"}`, `{"id": "wait", "wait": "2d", "exit": true}`), "/steps/1", "exactly one"},
		{"duplicate step", repl(`"id": "offer"`, `"id": "vip"`), "/steps/5/id", "names two steps"},
		{"instant loop", repl(`{"id": "done", "exit": true}`, `{"id": "done", "branch": {"segment": "s", "then": "vip", "else": "done"}}`), "/steps/3", "loop"},
		{"no send", `{"id": "j", "purpose": "marketing.x", "entry": {"event": "e"}, "channel": {"type": "webhook"}, "steps": [{"id": "a", "wait": "1h"}]}`, "/steps", "at least one send"},
		{"ad audience", repl(`{"type": "webhook"}`, `{"type": "ad_audience", "destination": "d", "recipient": "r"}`), "/channel/type", "journey sends"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := campaign.ParseJourney([]byte(c.spec))
			var se *campaign.SpecError
			if !errors.As(err, &se) || se.Pointer != c.pointer || !strings.Contains(se.Reason, c.reason) {
				t.Fatalf("err = %v; want pointer %q and %q", err, c.pointer, c.reason)
			}
		})
	}
	// A loop through a wait is fine.
	if _, err := campaign.ParseJourney([]byte(repl(`{"id": "done", "exit": true}`, `{"id": "done", "branch": {"segment": "s", "then": "wait", "else": "hello"}}`))); err != nil {
		t.Fatalf("loop with a wait refused: %v", err)
	}
}

func FuzzParseCampaign(f *testing.F) {
	f.Add([]byte(goodCampaign))
	f.Add([]byte(`{"id":"a","purpose":"marketing.x","audience":{"segment":"s"},"channel":{"type":"ad_audience","destination":"d","recipient":"r"},"schedule":{"kind":"triggered","event":"e","delay":"1h"}}`))
	f.Add([]byte(`{"schedule":{"kind":"recurring","every":"1m","at":"2026-01-01T00:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := campaign.ParseCampaign(b)
		if err != nil {
			var se *campaign.SpecError
			if !errors.As(err, &se) || se.Reason == "" {
				t.Fatalf("error %v is not a located SpecError", err)
			}
			return
		}
		c.Schedule.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) // must not panic
	})
}

func FuzzParseJourney(f *testing.F) {
	f.Add([]byte(goodJourney))
	f.Add([]byte(`{"id":"j","purpose":"marketing.x","entry":{"segment":"s"},"channel":{"type":"email"},"steps":[{"id":"a","send":{"content":{"plain":{"subject":"s","body":"b"}}},"next":"a"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := campaign.ParseJourney(b); err != nil {
			var se *campaign.SpecError
			if !errors.As(err, &se) || se.Reason == "" {
				t.Fatalf("error %v is not a located SpecError", err)
			}
		}
	})
}
