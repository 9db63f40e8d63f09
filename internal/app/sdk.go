package app

import (
	"context"
	"sort"
	"strconv"
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

// SDKConfig implements server.Manifests.
func (m manifests) SDKConfig(ctx context.Context, lang string) (any, error) {
	mf := m.a.Manifest()
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
	var cats []map[string]any
	for _, k := range keys {
		name := k
		if n, ok := bannerNames[k]; ok {
			name = n[li]
		}
		var statements []string
		gpcOff := false
		for _, pk := range mf.Consent[k] {
			if p, ok := mf.Taxonomy.Purpose(pk); ok {
				statements = append(statements, statement(p, lang))
				if p.SaleShare || p.Advertising() {
					gpcOff = true
				}
			}
		}
		cats = append(cats, map[string]any{"key": k, "name": name, "summary": strings.Join(statements, " "), "purposes": mf.Consent[k], "gpc_off": gpcOff})
	}
	r := m.a.regime.Load()
	return map[string]any{"categories": cats, "text": bannerText[lang],
		"notice": map[string]any{"version": strconv.FormatInt(r.seq, 10), "hash": r.notice.Hash}}, nil
}
