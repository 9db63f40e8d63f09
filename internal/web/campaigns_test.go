package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/policy"
)

// The campaigns screen's catalogues: the same keys in both languages, none empty, every key
// the script names present, and a readable label for every skip reason the engine or the
// policy can give (the screen builds those keys from the server's vocabulary).
func TestCampaignsCatalogues(t *testing.T) {
	cats := map[string]map[string]string{}
	for _, l := range []string{"en", "zh-CN"} {
		b, err := os.ReadFile("i18n/" + l + ".campaigns.json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, k)
			}
		}
		cats[l] = m
	}
	keys := func(m map[string]string) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	if keys(cats["en"]) != keys(cats["zh-CN"]) {
		t.Fatal("en.campaigns.json and zh-CN.campaigns.json have different keys")
	}
	js, err := os.ReadFile("static/console-campaigns.js")
	if err != nil {
		t.Fatal(err)
	}
	main := map[string]string{}
	if b, err := os.ReadFile("i18n/en.json"); err != nil || json.Unmarshal(b, &main) != nil {
		t.Fatal("i18n/en.json")
	}
	for _, m := range regexp.MustCompile(`t\("(console\.[a-z0-9_.]+)"\)`).FindAllStringSubmatch(string(js), -1) {
		if cats["en"][m[1]] == "" && main[m[1]] == "" {
			t.Errorf("the script uses %s, which the catalogue lacks", m[1])
		}
	}
	for _, st := range []string{campaign.StatusDraft, campaign.StatusActive, campaign.StatusPaused, campaign.StatusDone} {
		if cats["en"]["console.campaigns.status."+st] == "" {
			t.Errorf("no text for status %s", st)
		}
	}
	reasons := append([]string{campaign.ReasonUnknownSubject, campaign.ReasonObjected, campaign.ReasonMinor, campaign.ReasonNotAllowed,
		campaign.ReasonNoThirdParty, campaign.ReasonPersonalisationOff, campaign.ReasonNoContact, campaign.ReasonQuietHours, campaign.ReasonCapDaily,
		campaign.ReasonCapDailyElderly, campaign.ReasonCapCampaign, campaign.ReasonRetriesExhausted, campaign.ReasonRejected}, policy.Reasons...)
	for _, r := range reasons {
		if cats["en"]["console.campaigns.reason."+r] == "" {
			t.Errorf("no text for skip reason %q", r)
		}
	}
}
