package regime

import (
	"sort"
	"strings"
)

// bannerOrder is the order categories appear in the banner; others follow alphabetically.
var bannerOrder = []string{"Analytics", "Personalization", "Advertising", "ThirdPartySharing", "CrossBorder"}

var bannerNames = map[string][2]string{ // en, zh-CN
	"Analytics":         {"Analytics", "统计分析"},
	"Personalization":   {"Personalisation", "个性化推荐"},
	"Advertising":       {"Advertising", "广告"},
	"ThirdPartySharing": {"Sharing with partners", "向合作方提供"},
	"CrossBorder":       {"Transfer abroad", "跨境传输"},
}

var bannerText = map[string]map[string]string{
	"en": {"title": "Your choices about your data", "summary": "We only use your data for what you allow here. Nothing is switched on until you choose; you can change your mind at any time in the privacy center.",
		"notice": "What each choice means", "accept": "Accept all", "reject": "Reject all", "choose": "Choose", "save": "Save my choices",
		"gpc":            "Your browser sent Global Privacy Control: advertising and sharing stay off.",
		"separate_title": "Asked separately", "separate_intro": "These need your consent on their own, for the named recipient only. \"Accept all\" does not include them.",
		"recipient": "Recipient", "contact": "Contact", "receives": "Receives", "how": "How", "where": "Where", "agree": "I agree", "decline": "I do not agree",
		"separate_ask": "Ask me"},
	"zh-CN": {"title": "关于您个人信息的选择", "summary": "我们只在您于此处同意的范围内使用您的信息。在您做出选择之前，一切均不开启；您可随时在隐私中心更改。",
		"notice": "每项选择的含义", "accept": "全部同意", "reject": "全部拒绝", "choose": "自行选择", "save": "保存我的选择",
		"gpc":            "您的浏览器发送了全球隐私控制（GPC）信号：广告与共享将保持关闭。",
		"separate_title": "需要单独同意的事项", "separate_intro": "以下事项须您针对所列接收方单独同意，“全部同意”不包括这些事项。",
		"recipient": "接收方", "contact": "联系方式", "receives": "提供的信息", "how": "提供方式", "where": "所在国家", "agree": "同意", "decline": "不同意",
		"separate_ask": "查看并选择"},
}

// Banner is what the consent SDK shows: its categories with their statements and GPC
// effects, the purposes it asks about separately with their recipients, its texts, and the
// notice choices are recorded against.
type Banner struct {
	Categories []BannerCategory  `json:"categories"`
	Separate   []SeparateAsk     `json:"separate"`
	Text       map[string]string `json:"text"`
	Notice     BannerNotice      `json:"notice"`
	Controller string            `json:"controller"`
}

// SeparateAsk is a purpose the banner asks about on its own, once per recipient: PIPL Arts.
// 23 and 39 require a consent of its own naming the recipient, its contact, what it receives
// and how. "Accept all" never covers it.
type SeparateAsk struct {
	Purpose    string            `json:"purpose"`
	Name       string            `json:"name"`
	Statement  string            `json:"statement"`
	Recipients []BannerRecipient `json:"recipients"`
}

// BannerRecipient names a recipient as a separate consent shows it.
type BannerRecipient struct {
	Name       string   `json:"name"`
	Contact    string   `json:"contact"`
	Method     string   `json:"method"`
	Countries  []string `json:"countries"`
	Categories []string `json:"categories"`
	Abroad     bool     `json:"abroad"`
}

// BannerCategory is one choice in the banner.
type BannerCategory struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	Summary  string   `json:"summary"`
	Purposes []string `json:"purposes"`
	GPCOff   bool     `json:"gpc_off"`
}

// BannerNotice names the notice version shown.
type BannerNotice struct {
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

// BannerIn returns the banner in lang.
func (r *Regime) BannerIn(lang string) Banner {
	mf := r.m
	li := 0
	if lang == "zh-CN" {
		li = 1
	} else {
		lang = "en"
	}
	keys := make([]string, 0, len(mf.Consent))
	for k := range mf.Consent {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		for i, b := range bannerOrder {
			if b == k {
				return i
			}
		}
		return len(bannerOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	b := Banner{Categories: []BannerCategory{}, Separate: []SeparateAsk{}, Text: bannerText[lang],
		Notice: BannerNotice{Version: r.notice.Version, Hash: r.notice.Hash}, Controller: mf.Controller.Name}
	asked := map[string]bool{}
	for _, k := range keys {
		// Purposes needing separate consent are asked on their own, never in a category.
		var bundled []string
		for _, pk := range mf.Consent[k] {
			p, ok := mf.Taxonomy.Purpose(pk)
			if !ok || !p.SeparateConsent {
				bundled = append(bundled, pk)
				continue
			}
			if asked[pk] {
				continue
			}
			asked[pk] = true
			ask := SeparateAsk{Purpose: pk, Name: r.PurposeName(pk, lang), Statement: r.Statement(pk, lang), Recipients: []BannerRecipient{}}
			for _, rc := range mf.Recipients {
				if !rc.Serves(pk) {
					continue
				}
				br := BannerRecipient{Name: rc.Name, Contact: rc.Contact, Method: rc.Method, Countries: rc.Countries, Categories: []string{}}
				for _, c := range rc.Categories {
					br.Categories = append(br.Categories, r.CategoryName(c, lang))
				}
				for _, c := range rc.Countries {
					br.Abroad = br.Abroad || mf.Abroad(c)
				}
				ask.Recipients = append(ask.Recipients, br)
			}
			if len(ask.Recipients) > 0 {
				b.Separate = append(b.Separate, ask)
			}
		}
		if len(bundled) == 0 {
			continue
		}
		name := k
		if n, ok := bannerNames[k]; ok {
			name = n[li]
		}
		var statements []string
		gpcOff := false
		for _, pk := range bundled {
			if p, ok := mf.Taxonomy.Purpose(pk); ok {
				statements = append(statements, r.Statement(pk, lang))
				if p.SaleShare || p.Advertising() {
					gpcOff = true
				}
			}
		}
		b.Categories = append(b.Categories, BannerCategory{Key: k, Name: name, Summary: strings.Join(statements, " "), Purposes: bundled, GPCOff: gpcOff})
	}
	return b
}
