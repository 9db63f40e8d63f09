package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Notices are the drafts of the two notices PIPL Art. 57 requires, by language ("zh-CN",
// "en"). A field not yet filled in shows as a bracketed placeholder.
type Notices struct {
	Regulator  map[string]string `json:"regulator"`
	Individual map[string]string `json:"individual"`
}

func orTODO(v, lang, what string) string {
	if strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	if lang == "zh-CN" {
		return "【待填写：" + what + "】"
	}
	return "[to fill in: " + what + "]"
}

func (s *Service) notices(i store.Incident) Notices {
	r := s.cfg.Regime()
	ctl := r.Manifest().Controller
	names := func(lang string) string {
		if len(i.Categories) == 0 {
			if lang == "zh-CN" {
				return "（审计日志中未发现涉及的个人信息类别）"
			}
			return "(the audit log shows no category involved)"
		}
		out := make([]string, len(i.Categories))
		for k, c := range i.Categories {
			out[k] = r.CategoryName(c, lang)
		}
		sep := ", "
		if lang == "zh-CN" {
			sep = "、"
		}
		return strings.Join(out, sep)
	}
	var sc Scope
	_ = json.Unmarshal(i.Scope, &sc)
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	drillEN, drillZH := "", ""
	if i.Drill {
		drillEN, drillZH = "THIS IS A DRILL. ", "【演练】"
	}
	n := Notices{Regulator: map[string]string{}, Individual: map[string]string{}}
	n.Regulator["en"] = fmt.Sprintf(`%sPersonal information security incident report (PIPL Art. 57)

Processor: %s, %s
Personal-information protection officer: %s
Incident: %s (register id %s)
Discovered: %s; acts concerned: %s to %s
Personal information involved: %s
People affected (counted from the audit log): %d
Cause: %s
Possible harm: %s
Remedial measures taken: %s
What individuals can do to reduce the harm: %s
Contact: %s
`, drillEN, ctl.Name, ctl.Address, ctl.PIPO, i.Title, i.ID, day(i.DiscoveredAt), day(sc.From), day(sc.To), names("en"), i.Affected,
		orTODO(i.Cause, "en", "cause"), orTODO(i.Harm, "en", "possible harm"), orTODO(i.Measures, "en", "measures taken"),
		orTODO(i.Remedies, "en", "what individuals can do"), orTODO(i.Contact, "en", "contact"))
	n.Regulator["zh-CN"] = fmt.Sprintf(`%s个人信息安全事件报告（《个人信息保护法》第五十七条）

个人信息处理者：%s，%s
个人信息保护负责人：%s
事件：%s（登记编号 %s）
发现时间：%s；涉及处理活动的时间：%s 至 %s
涉及的个人信息种类：%s
受影响人数（依据审计日志统计）：%d
事件原因：%s
可能造成的危害：%s
已采取的补救措施：%s
个人可以采取的减轻危害的措施：%s
联系方式：%s
`, drillZH, ctl.Name, ctl.Address, ctl.PIPO, i.Title, i.ID, day(i.DiscoveredAt), day(sc.From), day(sc.To), names("zh-CN"), i.Affected,
		orTODO(i.Cause, "zh-CN", "原因"), orTODO(i.Harm, "zh-CN", "可能的危害"), orTODO(i.Measures, "zh-CN", "已采取的措施"),
		orTODO(i.Remedies, "zh-CN", "个人可采取的措施"), orTODO(i.Contact, "zh-CN", "联系方式"))
	n.Individual["en"] = fmt.Sprintf(`%sDear customer,

We are writing to tell you about a security incident at %s that involved your personal information.

What happened: %s. We discovered it on %s.
Which of your information was involved: %s.
Why it happened: %s
What it could mean for you: %s
What we have done: %s
What you can do: %s
If you have questions, contact us: %s
`, drillEN, ctl.Name, i.Title, day(i.DiscoveredAt), names("en"), orTODO(i.Cause, "en", "cause"), orTODO(i.Harm, "en", "possible harm"),
		orTODO(i.Measures, "en", "measures taken"), orTODO(i.Remedies, "en", "what you can do"), orTODO(i.Contact, "en", "contact"))
	n.Individual["zh-CN"] = fmt.Sprintf(`%s尊敬的顾客：

我们在此告知您，%s 发生了一起涉及您个人信息的安全事件。

事件经过：%s。我们于 %s 发现该事件。
涉及您的个人信息种类：%s。
事件原因：%s
可能对您造成的影响：%s
我们已采取的措施：%s
您可以采取的措施：%s
如有疑问，请联系：%s
`, drillZH, ctl.Name, i.Title, day(i.DiscoveredAt), names("zh-CN"), orTODO(i.Cause, "zh-CN", "原因"), orTODO(i.Harm, "zh-CN", "可能的危害"),
		orTODO(i.Measures, "zh-CN", "已采取的措施"), orTODO(i.Remedies, "zh-CN", "您可采取的措施"), orTODO(i.Contact, "zh-CN", "联系方式"))
	return n
}
