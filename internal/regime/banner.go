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
		"gpc": "Your browser sent Global Privacy Control: advertising and sharing stay off."},
	"zh-CN": {"title": "关于您个人信息的选择", "summary": "我们只在您于此处同意的范围内使用您的信息。在您做出选择之前，一切均不开启；您可随时在隐私中心更改。",
		"notice": "每项选择的含义", "accept": "全部同意", "reject": "全部拒绝", "choose": "自行选择", "save": "保存我的选择",
		"gpc": "您的浏览器发送了全球隐私控制（GPC）信号：广告与共享将保持关闭。"},
}

// Banner is what the consent SDK shows: its categories with their statements and GPC
// effects, its texts, and the notice choices are recorded against.
type Banner struct {
	Categories []BannerCategory  `json:"categories"`
	Text       map[string]string `json:"text"`
	Notice     BannerNotice      `json:"notice"`
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
	b := Banner{Categories: []BannerCategory{}, Text: bannerText[lang], Notice: BannerNotice{Version: r.notice.Version, Hash: r.notice.Hash}}
	for _, k := range keys {
		name := k
		if n, ok := bannerNames[k]; ok {
			name = n[li]
		}
		var statements []string
		gpcOff := false
		for _, pk := range mf.Consent[k] {
			if p, ok := mf.Taxonomy.Purpose(pk); ok {
				statements = append(statements, r.Statement(pk, lang))
				if p.SaleShare || p.Advertising() {
					gpcOff = true
				}
			}
		}
		b.Categories = append(b.Categories, BannerCategory{Key: k, Name: name, Summary: strings.Join(statements, " "), Purposes: mf.Consent[k], GPCOff: gpcOff})
	}
	return b
}
