package recommend

import "fmt"

// texts are what a person reads on a slot, in one language.
type texts struct {
	personalLabel, popularLabel, popular string
	viewed, carted, bought               string
}

var textsByLang = map[string]texts{
	"en": {personalLabel: "Recommended for you", popularLabel: "Popular now (not personalised)",
		popular: "Popular with shoppers here", viewed: "Because you viewed “%s”", carted: "Because you added “%s” to your cart",
		bought: "Because you bought “%s”"},
	"zh-CN": {personalLabel: "个性化推荐", popularLabel: "热门商品（非个性化）",
		popular: "本店顾客喜爱的热门商品", viewed: "因为您浏览过“%s”", carted: "因为您把“%s”加入了购物车", bought: "因为您购买过“%s”"},
}

func textsIn(lang string) texts {
	if t, ok := textsByLang[lang]; ok {
		return t
	}
	return textsByLang["en"]
}

func (t texts) because(k Kind, what string) string {
	f := t.viewed
	switch k {
	case Carted:
		f = t.carted
	case Bought:
		f = t.bought
	}
	return fmt.Sprintf(f, what)
}
