package regime

import (
	"strings"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// Display names in Simplified Chinese for the categories and purposes of the default
// manifest, so the zh-CN privacy center never mixes languages; English names come from the
// taxonomy. A deployment's own keys fall back to their parent's name.
var categoryZH = map[string]string{
	"system.operations":                   "系统运行数据",
	"user":                                "个人信息",
	"user.behavior":                       "行为记录",
	"user.behavior.browsing_history":      "浏览记录",
	"user.behavior.purchase_history":      "购买记录",
	"user.behavior.purchase_history.baby": "母婴商品购买记录",
	"user.behavior.search_history":        "搜索记录",
	"user.contact":                        "联系方式",
	"user.contact.address":                "通讯地址",
	"user.contact.address.city":           "所在城市",
	"user.contact.address.country":        "所在国家",
	"user.contact.email":                  "电子邮箱",
	"user.contact.phone_number":           "手机号码",
	"user.demographic":                    "人口统计信息",
	"user.demographic.age_range":          "年龄段",
	"user.demographic.date_of_birth":      "出生日期",
	"user.demographic.gender":             "性别",
	"user.device":                         "设备信息",
	"user.device.cookie_id":               "设备标识（Cookie）",
	"user.device.ip_address":              "IP 地址",
	"user.location":                       "位置信息",
	"user.location.imprecise":             "大致位置",
	"user.name":                           "姓名",
	"user.privacy_preferences":            "隐私选择",
	"user.unique_id":                      "用户编号",
	"user.unique_id.pseudonymous":         "用户编号（假名）",
}

var purposeZH = map[string]string{
	"essential.service":                          "提供购物服务",
	"essential.order_delivery":                   "订单配送",
	"measurement.clean_room":                     "与合作方联合统计",
	"essential.fraud_detection":                  "防范欺诈",
	"analytics.reporting":                        "统计分析",
	"personalize.content":                        "个性化推荐",
	"marketing.advertising.profiling":            "广告画像",
	"marketing.advertising.first_party":          "本店广告",
	"marketing.advertising.third_party.targeted": "第三方定向广告",
	"marketing.communications":                   "营销信息",
	"marketing.communications.email":             "营销邮件",
	"third_party_sharing":                        "向第三方提供",
	"cross_border_transfer":                      "跨境传输",
}

// purposeEN names the built-in purposes for people reading English: the keys are for
// machines (fideslang), and "personalize.content" is not how a shopper would put it.
var purposeEN = map[string]string{
	"essential.service":                          "Running the shop and your orders",
	"essential.order_delivery":                   "Delivering your orders",
	"measurement.clean_room":                     "Joint measurement with a partner",
	"essential.fraud_detection":                  "Preventing fraud",
	"analytics.reporting":                        "Statistics about the shop",
	"personalize.content":                        "Personalised recommendations",
	"marketing.advertising.profiling":            "Advertising profile",
	"marketing.advertising.first_party":          "The shop's own advertising",
	"marketing.advertising.third_party.targeted": "Targeted advertising by others",
	"marketing.communications":                   "Marketing messages",
	"marketing.communications.email":             "Marketing emails",
	"third_party_sharing":                        "Sharing with other companies",
	"cross_border_transfer":                      "Transfer abroad",
}

// CategoryName is a category's name for people in lang ("zh-CN" or English): a deployment's
// own keys fall back to their parent's name, then to the key.
func (r *Regime) CategoryName(key, lang string) string {
	if lang == "zh-CN" {
		for k := key; k != ""; k = taxonomy.Parent(k) {
			if n, ok := categoryZH[k]; ok {
				return n
			}
		}
		return key
	}
	if c, ok := r.m.Taxonomy.Category(key); ok && c.Name != "" {
		return c.Name
	}
	return key
}

// PurposeName is a purpose's name for people in lang.
func (r *Regime) PurposeName(key, lang string) string {
	if lang == "zh-CN" {
		if n, ok := purposeZH[key]; ok {
			return n
		}
		// A shop's own purpose: its statement's lead ("送货：…" names it 送货).
		if lead, _, ok := strings.Cut(r.Statement(key, lang), "："); ok && lead != "" && len([]rune(lead)) <= 20 {
			return lead
		}
		return key
	}
	if n, ok := purposeEN[key]; ok {
		return n
	}
	return strings.ReplaceAll(key, "_", " ")
}

// Statement is the plain-language statement of what a purpose does, in lang.
func (r *Regime) Statement(key, lang string) string {
	p, ok := r.m.Taxonomy.Purpose(key)
	if !ok {
		return ""
	}
	if lang == "zh-CN" {
		return p.StatementZH
	}
	return p.StatementEN
}

// Lang normalises a language tag to the two the pages speak: "zh-CN" or "en".
func Lang(tag string) string {
	if strings.HasPrefix(strings.ToLower(tag), "zh") {
		return "zh-CN"
	}
	return "en"
}
