package rights

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/regime"
)

// The audit log in plain words (issue 18 item 5): each act about a person becomes a sentence
// in their language — "Your profile was used to choose recommendations for you on 3 Dec",
// "12月3日，您的画像被用于为您挑选推荐内容。" — built from the act, its purpose (named as
// the manifest names it) and its detail, never from English keys on a Chinese page. An act
// this table does not know still gets a sentence from its purpose, so acts added later
// (campaign sends, clean-room jobs) read sensibly without more code here.

// say picks the sentence of the page's language.
func say(lang, en, zh string, args ...any) string {
	if lang == "zh-CN" {
		return fmt.Sprintf(zh, args...)
	}
	return fmt.Sprintf(en, args...)
}

// Day formats a day (YYYY-MM-DD) for people: "3 Dec" or "12月3日", with the year when it
// is not this year's.
func Day(day, lang string, now time.Time) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	same := t.Year() == now.Year()
	if lang == "zh-CN" {
		if same {
			return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
		}
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	if same {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// Round rounds a count for people: exact up to ten, then to the nearest ten, hundred or
// thousand (a person needs the size of it, not the tally).
func Round(n int) (int, bool) {
	switch {
	case n <= 10:
		return n, true
	case n < 100:
		return (n + 5) / 10 * 10, false
	case n < 1000:
		return (n + 50) / 100 * 100, false
	}
	return (n + 500) / 1000 * 1000, false
}

// Approx is a rounded count in words: "12", "about 50", "约50".
func Approx(n int, lang string) string {
	r, exact := Round(n)
	s := strconv.Itoa(r)
	if r >= 10000 && lang != "zh-CN" {
		s = commas(r)
	}
	if exact {
		return s
	}
	return say(lang, "about %s", "约%s", s)
}

func commas(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// times is " (about 20 times)" / "（约20次）" for a count above one.
func times(n int, lang string) string {
	if n <= 1 {
		return ""
	}
	return say(lang, " (%s times)", "（%s次）", Approx(n, lang))
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsUpper(r) {
		return s
	}
	// Keep acronyms ("IP address") as they are.
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// purposeName names a purpose for people, including the two Steward adds.
func purposeName(r *regime.Regime, key, lang string) string {
	switch key {
	case access.PurposeRightsAccess:
		return say(lang, "your own access to your data", "您本人查阅数据")
	case access.PurposeRightsHandling:
		return say(lang, "handling your request", "处理您的请求")
	case "":
		return ""
	}
	return r.PurposeName(key, lang)
}

// usePhrase is what a purpose did with a profile: "to choose recommendations for you".
func usePhrase(r *regime.Regime, purpose, lang string) string {
	switch purpose {
	case "personalize.content":
		return say(lang, "to choose recommendations for you", "为您挑选推荐内容")
	case "marketing.advertising.profiling":
		return say(lang, "to choose which ads to show you", "决定向您展示哪些广告")
	case "marketing.advertising.first_party":
		return say(lang, "to choose the shop's own ads for you", "挑选向您展示的本店广告")
	case "analytics.reporting":
		return say(lang, "in the shop's statistics", "本店的统计分析")
	case "marketing.communications", "marketing.communications.email":
		return say(lang, "to choose the marketing messages you get", "挑选发给您的营销信息")
	}
	return say(lang, "for %s", "%s", lowerFirst(purposeName(r, purpose, lang)))
}

// requestName names a request type: "deletion", "删除".
func requestName(t, lang string) string {
	n := map[string][2]string{
		"access": {"access", "查阅"}, "export": {"copy of your data", "数据副本"}, "correction": {"correction", "更正"},
		"erasure": {"deletion", "删除"}, "restriction": {"restriction", "限制处理"}, "objection": {"objection", "反对"},
		"withdrawal": {"withdrawal of consent", "撤回同意"}, "explanation": {"explanation", "解释说明"},
		"account_deletion": {"account deletion", "注销账户"},
	}[t]
	if n[0] == "" {
		return say(lang, "privacy", "个人信息")
	}
	if lang == "zh-CN" {
		return n[1]
	}
	return n[0]
}

// sentence is what an act did, without its date: "Your profile was used to choose
// recommendations for you". tag names a tag for people (its label).
func sentence(r *regime.Regime, e audit.ReportEntry, lang string, tag func(string) string, now time.Time) string {
	p := e.Purpose
	pn := lowerFirst(purposeName(r, p, lang))
	d := e.Detail
	switch e.Act {
	case audit.ActProfiling:
		return say(lang, "Your profile was used %s", "您的画像被用于%s", usePhrase(r, p, lang))
	case audit.ActRead:
		if p == access.PurposeRightsHandling {
			return say(lang, "Shop staff read your request to handle it", "店铺工作人员为处理您的请求查看了您的请求")
		}
		return say(lang, "Shop staff looked at your data for %s", "店铺工作人员为%s查看了您的数据", pn)
	case audit.ActExport:
		return say(lang, "You downloaded a copy of your data", "您下载了您的数据副本")
	case audit.ActErasure:
		return say(lang, "Your data was erased", "您的数据已被删除")
	case audit.ActTagDeleted:
		return say(lang, "You deleted the tag “%s”", "您删除了标签“%s”", tag(d["tag"]))
	case audit.ActSessionMinted:
		if reason := d["reason"]; reason != "" {
			return say(lang, "Shop staff opened your privacy center for you (reason given: %s)", "店铺工作人员为您打开了隐私中心（理由：%s）", reason)
		}
		return say(lang, "Shop staff opened your privacy center for you", "店铺工作人员为您打开了隐私中心")
	case audit.ActIdentityLink:
		if d["decision"] == "approved" {
			return say(lang, "Two of your customer records were joined after a review", "经审核，您的两条客户记录被合并")
		}
		return say(lang, "A request to join your customer record with another was refused after a review", "经审核，将您的客户记录与另一条合并的请求被拒绝")
	case audit.ActConsentChange:
		return consentSentence(r, e, lang)
	case audit.ActRightsStep:
		return stepSentence(e, lang, now)
	case audit.ActCleanRoom:
		return say(lang, "Your encrypted match key was compared with %s's data for %s; neither side learned who you are",
			"为%[2]s，您加密后的匹配标识与%[1]s的数据进行了比对，双方都无法得知您是谁", partnerOr(e.Recipient, lang), pn)
	case audit.ActFederatedTraining:
		return say(lang, "Your data helped train a model jointly with %s for %s; only encrypted model updates were exchanged, never your data",
			"为%[2]s，您的数据参与了与%[1]s的联合建模；双方只交换加密的模型更新，从不交换您的数据", partnerOr(e.Recipient, lang), pn)
	case audit.ActFederatedScoring:
		return say(lang, "A model trained jointly with %s scored you for %s", "与%[1]s联合训练的模型为%[2]s对您进行了评分", partnerOr(e.Recipient, lang), pn)
	case audit.ActBidRanking:
		return say(lang, "Advertisers' bids for showing you an ad were ranked on encrypted data for %s; no advertiser saw anything about you",
			"为%s，在加密数据上对广告主的出价进行了排序，广告主看不到您的任何信息", pn)
	case audit.ActAnonymisedRelease:
		return say(lang, "Your data went, generalised so that no one can single you out, into an anonymised data set for %s",
			"为%s，您的数据经泛化处理（无法从中识别出您）后进入了匿名化数据集", pn)
	case audit.ActActivation:
		switch {
		case e.Recipient != "":
			return say(lang, "Your data was shared with %s for %s", "您的数据为%[2]s被提供给%[1]s", e.Recipient, pn)
		case d["campaign"] != "":
			return say(lang, "A message of the campaign “%s” was sent to you (%s)", "向您发送了营销活动“%s”的信息（%s）", d["campaign"], pn)
		case d["segment"] != "":
			return say(lang, "You were in an audience (“%s”) released for %s", "您被包含在为%[2]s发布的受众（“%[1]s”）中", d["segment"], pn)
		}
	}
	switch {
	case e.Recipient != "":
		return say(lang, "Your data was shared with %s for %s", "您的数据为%[2]s被提供给%[1]s", e.Recipient, pn)
	case p != "":
		return say(lang, "Your data was used for %s (%s)", "您的数据被用于%s%.0s", pn, strings.ReplaceAll(string(e.Act), "_", " "))
	}
	return say(lang, "Your data was processed (%s)", "您的数据被处理%.0s", strings.ReplaceAll(string(e.Act), "_", " "))
}

func consentSentence(r *regime.Regime, e audit.ReportEntry, lang string) string {
	d := e.Detail
	granted := d["granted"] == "true"
	switch e.Purpose {
	case "signal.personalisation_off":
		if d["personalisation"] == "off" || (d["personalisation"] == "" && granted) {
			return say(lang, "You turned personalisation off", "您关闭了个性化推荐")
		}
		return say(lang, "You turned personalisation back on", "您重新开启了个性化推荐")
	case "signal.object_direct_marketing":
		return say(lang, "You objected to direct marketing", "您反对了直接营销")
	case "signal.gpc":
		return say(lang, "Your browser's Global Privacy Control signal was recorded", "已记录您浏览器发出的全球隐私控制信号")
	case SignalRestricted:
		if granted {
			return say(lang, "You restricted the use of your data", "您限制了对您数据的使用")
		}
		return say(lang, "The restriction on the use of your data was lifted", "对您数据使用的限制已解除")
	case "signal.ad_free":
		if granted {
			return say(lang, "Your privacy subscription started", "您的隐私订阅已开始")
		}
		return say(lang, "Your privacy subscription ended", "您的隐私订阅已结束")
	case "signal.guardian":
		return say(lang, "A guardian's consent was recorded", "已记录监护人的同意")
	case "":
		n := strings.Count(d["changes"], ",") + 1
		return say(lang, "You changed %d privacy choices at once", "您一次更改了%d项隐私选择", n)
	}
	name := purposeName(r, strings.SplitN(e.Purpose, "@", 2)[0], lang)
	if _, recipient, ok := strings.Cut(e.Purpose, "@"); ok {
		if granted {
			return say(lang, "You agreed to %s with %s", "您同意了向%[2]s%[1]s", lowerFirst(name), recipient)
		}
		return say(lang, "You did not agree to %s with %s", "您未同意向%[2]s%[1]s", lowerFirst(name), recipient)
	}
	if granted {
		return say(lang, "You allowed %s", "您同意了%s", lowerFirst(name))
	}
	return say(lang, "You withdrew or declined %s", "您撤回或拒绝了%s", lowerFirst(name))
}

func stepSentence(e audit.ReportEntry, lang string, now time.Time) string {
	d := e.Detail
	rn := requestName(d["type"], lang)
	switch d["step"] {
	case "extended":
		return say(lang, "The deadline of your %s request was extended to %s", "您的%s请求的答复期限延长至%s", rn, Day(d["until"], lang, now))
	case "assigned":
		return say(lang, "Your %s request was given to a member of staff to handle", "您的%s请求已交由工作人员处理", rn)
	case "note":
		return say(lang, "A member of staff added a note to your %s request", "工作人员为您的%s请求添加了备注", rn)
	}
	switch d["state"] {
	case "received":
		return say(lang, "Your %s request was received", "已收到您的%s请求", rn)
	case "verified":
		return say(lang, "Your %s request was received and your identity confirmed", "已收到您的%s请求并确认了您的身份", rn)
	case "in_progress":
		return say(lang, "Work started on your %s request", "您的%s请求已开始处理", rn)
	case "done":
		return say(lang, "Your %s request was completed", "您的%s请求已完成", rn)
	case "refused":
		return say(lang, "Your %s request was refused", "您的%s请求被拒绝", rn)
	}
	return say(lang, "Your %s request moved on", "您的%s请求有了进展", rn)
}

// dated puts a sentence on its day (or span of days) with how often: "… on 3 Dec (about
// 20 times)." / "12月3日，…（约20次）。"
func dated(core, from, to string, n int, lang string, now time.Time) string {
	when := Day(from, lang, now)
	if to != "" && to != from {
		if lang == "zh-CN" {
			when = Day(from, lang, now) + "至" + Day(to, lang, now)
		} else {
			when = "from " + Day(from, lang, now) + " to " + Day(to, lang, now)
		}
	} else if lang != "zh-CN" {
		when = "on " + when
	}
	if lang == "zh-CN" {
		return when + "，" + core + times(n, lang) + "。"
	}
	return core + " " + when + times(n, lang) + "."
}

// partnerOr names the other party of a joint computation, or says "a partner" when the leaf
// names none.
func partnerOr(recipient, lang string) string {
	if recipient != "" {
		return recipient
	}
	return say(lang, "a partner", "合作方")
}
