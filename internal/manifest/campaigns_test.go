package manifest_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

func TestDefaultCampaignLimits(t *testing.T) {
	m := manifest.Default()
	c := m.CampaignLimits()
	if m.Campaigns == nil || c.PerDay != 3 || c.ElderlyPerDay != 1 || c.ElderlyAge != 65 ||
		c.QuietHours != (manifest.QuietWindow{Start: 21 * 60, End: 8 * 60, Action: "defer"}) {
		t.Fatalf("default campaigns = %+v", c)
	}
	// A manifest without the section gets the same defaults, and its hash does not move.
	bare, err := manifest.Parse("bare.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if bare.Campaigns != nil || bare.CampaignLimits() != manifest.DefaultCampaigns() || strings.Contains(string(bare.Canonical()), "campaigns") {
		t.Fatalf("bare manifest: %+v %s", bare.Campaigns, bare.Canonical())
	}
	set, err := manifest.Parse("set.yaml", []byte("version: 1\ncampaigns:\n  per_day: 5\n  quiet_hours: {start: \"22:30\", end: \"22:30\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c := set.CampaignLimits(); c.PerDay != 5 || c.ElderlyPerDay != 1 || !c.QuietHours.Off() {
		t.Fatalf("set = %+v", c)
	}
	if d := manifest.Diff(bare, set); len(d) == 0 || !strings.HasPrefix(d[0].Path, "campaigns") {
		t.Fatalf("diff = %v", d)
	}
}

// Every mistake in the section is refused with its line and column, all at once.
func TestCampaignLimitsStrict(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"campaigns:\n  per_dya: 3\n", `2:3: campaigns: unknown key "per_dya"`},
		{"campaigns:\n  per_day: 0\n", "2:12: campaigns: per_day must be a whole number from 1 to 100"},
		{"campaigns:\n  per_day: many\n", "2:12: campaigns: per_day must be a whole number"},
		{"campaigns:\n  per_day: 2\n  elderly_per_day: 3\n", "3:20: campaigns: elderly_per_day (3) must not exceed per_day (2)"},
		{"campaigns:\n  elderly_age: 30\n", "2:16: campaigns: elderly_age must be a whole number from 50 to 120"},
		{"campaigns:\n  quiet_hours: {start: \"25:00\"}\n", `2:24: campaigns: quiet_hours start must be a time of day "HH:MM"`},
		{"campaigns:\n  quiet_hours: {start: \"21:00\", end: \"8:00\"}\n", `2:38: campaigns: quiet_hours end must be a time of day "HH:MM"`},
		{"campaigns:\n  quiet_hours: {action: later}\n", `2:25: campaigns: quiet_hours action "later" is not defer or skip`},
		{"campaigns:\n  quiet_hours: {begin: \"21:00\"}\n", `2:17: campaigns quiet_hours: unknown key "begin"`},
		{"campaigns: [3, 1]\n", "1:12: campaigns must be a mapping"},
	} {
		_, err := manifest.Parse("m.yaml", []byte("version: 1\n"+c.yaml))
		var el *manifest.ErrorList
		if !errors.As(err, &el) {
			t.Fatalf("%q: err %v, want located errors", c.yaml, err)
		}
		msg := el.Error()
		// Lines in want count from the campaigns key; the manifest has one line before it.
		if !strings.Contains(msg, shiftLine(c.want)) {
			t.Errorf("%q:\n got %s\nwant %s", c.yaml, msg, shiftLine(c.want))
		}
	}
}

// shiftLine adds one to the line of "L:C: msg" (the "version: 1" line above the section).
func shiftLine(s string) string {
	line, rest, _ := strings.Cut(s, ":")
	n, _ := strconv.Atoi(line)
	return strconv.Itoa(n+1) + ":" + rest
}
