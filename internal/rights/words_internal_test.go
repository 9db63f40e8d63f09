package rights

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

func TestRound(t *testing.T) {
	for _, c := range []struct {
		n, want int
		exact   bool
		en, zh  string
	}{
		{0, 0, true, "0", "0"}, {7, 7, true, "7", "7"}, {10, 10, true, "10", "10"}, {11, 10, false, "about 10", "约10"},
		{47, 50, false, "about 50", "约50"}, {149, 100, false, "about 100", "约100"}, {150, 200, false, "about 200", "约200"},
		{1234, 1000, false, "about 1000", "约1000"}, {12600, 13000, false, "about 13,000", "约13000"},
	} {
		got, exact := Round(c.n)
		if got != c.want || exact != c.exact || Approx(c.n, "en") != c.en || Approx(c.n, "zh-CN") != c.zh {
			t.Errorf("%d: %d %v %q %q", c.n, got, exact, Approx(c.n, "en"), Approx(c.n, "zh-CN"))
		}
	}
}

func testRegime(t *testing.T) *regime.Regime {
	t.Helper()
	return regime.New(manifest.Default(), 1, nil)
}

var latin = regexp.MustCompile(`[A-Za-z]{3,}`)

// Issue 18 item 5: every act reads as a sentence in the person's language, and a Chinese
// sentence carries no English (no act keys, no purpose keys, no event names).
func TestSentencesInPlainWords(t *testing.T) {
	r := testRegime(t)
	now := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	tag := func(n string) string { return map[string]string{"repeat_buyer": "回头客"}[n] }
	entry := func(act audit.Act, purpose string, d map[string]string) audit.ReportEntry {
		return audit.ReportEntry{Act: act, Purpose: purpose, Detail: d, Time: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	}
	cases := []struct {
		e      audit.ReportEntry
		en, zh string
	}{
		{entry(audit.ActProfiling, "personalize.content", map[string]string{"day": "2026-12-03"}),
			"Your profile was used to choose recommendations for you on 3 Dec.", "12月3日，您的画像被用于为您挑选推荐内容。"},
		{entry(audit.ActConsentChange, "analytics.reporting", map[string]string{"granted": "true"}), "You allowed statistics about the shop", "您同意了统计分析"},
		{entry(audit.ActConsentChange, "signal.personalisation_off", map[string]string{"personalisation": "off"}), "You turned personalisation off", "您关闭了个性化推荐"},
		{entry(audit.ActRead, "analytics.reporting", nil), "Shop staff looked at your data for statistics about the shop", "店铺工作人员为统计分析查看了您的数据"},
		{entry(audit.ActExport, "rights.access", nil), "You downloaded a copy of your data", "您下载了您的数据副本"},
		{entry(audit.ActTagDeleted, "personalize.content", map[string]string{"tag": "repeat_buyer"}), "", "您删除了标签“回头客”"},
		{entry(audit.ActRightsStep, "", map[string]string{"type": "erasure", "state": "done"}), "Your deletion request was completed", "您的删除请求已完成"},
		{entry(audit.ActRightsStep, "", map[string]string{"type": "correction", "state": "verified", "step": "extended", "until": "2027-03-03"}),
			"extended to 3 Mar 2027", "您的更正请求的答复期限延长至2027年3月3日"},
		{entry(audit.ActActivation, "marketing.advertising.first_party", map[string]string{"campaign": "cmp_1"}), "campaign “cmp_1”", "营销活动“cmp_1”"},
		{audit.ReportEntry{Act: audit.ActActivation, Purpose: "third_party_sharing", Recipient: "Acme Analytics GmbH", Time: now},
			"Your data was shared with Acme Analytics GmbH", "您的数据为向第三方提供被提供给Acme Analytics GmbH"},
		// The privacy-computing acts say what happened and what did not.
		{audit.ReportEntry{Act: audit.ActCleanRoom, Purpose: "measurement.clean_room", Recipient: "Brand X", Time: now},
			"compared with Brand X's data", "与Brand X的数据进行了比对，双方都无法得知您是谁"},
		{audit.ReportEntry{Act: audit.ActFederatedTraining, Purpose: "analytics.reporting", Time: now},
			"train a model jointly with a partner", "参与了与合作方的联合建模"},
		{audit.ReportEntry{Act: audit.ActBidRanking, Purpose: "marketing.advertising.profiling", Time: now},
			"ranked on encrypted data", "在加密数据上对广告主的出价进行了排序"},
		{audit.ReportEntry{Act: audit.ActAnonymisedRelease, Purpose: "analytics.reporting", Time: now},
			"into an anonymised data set for statistics about the shop", "您的数据经泛化处理"},
		// An act nobody taught this file still reads as a sentence, from its purpose.
		{entry("clean_room_job", "analytics.reporting", map[string]string{"partner": "Brand X"}), "Your data was used for statistics about the shop", "您的数据被用于统计分析"},
	}
	for _, c := range cases {
		for _, lang := range []string{"en", "zh-CN"} {
			want := map[string]string{"en": c.en, "zh-CN": c.zh}[lang]
			got := dated(sentence(r, c.e, lang, tag, now), dayOf(c.e), "", 1, lang, now)
			if want != "" && !strings.Contains(got, want) {
				t.Errorf("%s %s %s: %q, want %q", c.e.Act, c.e.Purpose, lang, got, want)
			}
			if lang == "zh-CN" {
				// Recipients and campaign ids are names; nothing else is English.
				rest := strings.NewReplacer(c.e.Recipient, "", c.e.Detail["campaign"], "", "Acme Analytics GmbH", "").Replace(got)
				if latin.MatchString(rest) {
					t.Errorf("%s: English in a Chinese sentence: %q", c.e.Act, got)
				}
			}
		}
	}
	// Counts are rounded in the sentence.
	if got := dated("Shop staff looked at your data", "2026-12-03", "2026-12-05", 47, "en", now); got != "Shop staff looked at your data from 3 Dec to 5 Dec (about 50 times)." {
		t.Fatalf("span: %q", got)
	}
}

// RR-01: an extension where the law allows it (GDPR two months, CCPA 45 days), once, told
// before the original deadline; never under PIPL / GB/T 35273.
func TestExtensionRules(t *testing.T) {
	s := New(Config{})
	recv := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	mk := func(jur string, state State) store.RightsRequest {
		dl := DeadlineFor(jur, Correction, recv, nil)
		return store.RightsRequest{Type: string(Correction), State: string(state), Jurisdiction: jur, ReceivedAt: recv, DueAt: dl.Due, Source: dl.Source}
	}
	before := recv.Add(24 * time.Hour)
	if e := s.extensionOf(mk("EU", Verified), before); !e.Allowed || e.Until.Format(time.DateOnly) != "2026-08-01" {
		t.Fatalf("EU: %+v", e)
	}
	if e := s.extensionOf(mk("US-CA", InProgress), before); !e.Allowed || e.Until.Format(time.DateOnly) != "2026-07-30" {
		t.Fatalf("CCPA: %+v", e)
	}
	if e := s.extensionOf(mk("CN", Verified), before); e.Allowed || !e.Until.IsZero() || !strings.Contains(e.Why, "GB/T 35273") {
		t.Fatalf("PIPL allows none: %+v", e)
	}
	late := mk("EU", Verified)
	if e := s.extensionOf(late, late.DueAt.Add(time.Hour)); e.Allowed || e.Until.IsZero() {
		t.Fatalf("after the deadline: %+v", e)
	}
	done := mk("EU", Done)
	if e := s.extensionOf(done, before); e.Allowed {
		t.Fatalf("closed: %+v", e)
	}
	ext := mk("EU", Verified)
	ext.ExtendedAt = &before
	if e := s.extensionOf(ext, before); e.Allowed {
		t.Fatalf("twice: %+v", e)
	}
}
