package recommend

import "github.com/stewardhq/steward/internal/algorithm"

// AlgorithmID is the recommender's id in the algorithm register.
const AlgorithmID = "recommender"

// Algorithm describes the recommender for the algorithm register (PT-01, ARP Art. 16): it
// says what this package does, so it lives beside the code.
func Algorithm() algorithm.Algorithm {
	return algorithm.Algorithm{
		ID: AlgorithmID, Kind: algorithm.Recommendation, Purpose: PurposeRecommend, Owner: "steward/recommend",
		Name: algorithm.Text{EN: "Product recommendations", ZH: "商品推荐"},
		Intent: algorithm.Text{
			EN: "Suggest products in this shop that you may like, next to what you are looking at.",
			ZH: "在本店内为您推荐您可能喜欢的商品。"},
		Principles: algorithm.Text{
			EN: "Personalised only with your consent to personalised recommendations, and never after you turn personalisation off; every item says whether it is personalised and why; no sensitive information and no health-related products are used on you; an item pair counts only when several shoppers share it; nothing about price or your ability to pay.",
			ZH: "仅在您同意个性化推荐时才个性化，关闭个性化后立即停止；每个商品都标明是否为个性化推荐及推荐理由；不使用敏感个人信息，也不依据健康相关商品向您推荐；只有多位顾客共有的商品组合才会被使用；不涉及价格或您的支付能力。"},
		Mechanism: algorithm.Text{
			EN: "Item-to-item co-occurrence: products that shoppers viewed, carted or bought together are related (cosine similarity over at least 3 shoppers); your recent views, cart additions and purchases (purchases weigh most, recent ones more) select related products. Without personalisation everyone sees the same ranking of products by how many shoppers interacted with them.",
			ZH: "商品共现：被顾客一起浏览、加购或购买的商品相互关联（至少3位顾客共有，余弦相似度）；根据您最近的浏览、加购和购买（购买权重最高，越近越重要）选出相关商品。不个性化时，所有人看到相同的热门排序，依据与商品互动过的顾客人数。"},
		Inputs: []algorithm.Input{
			{Category: "user.behavior.browsing_history", What: algorithm.Text{EN: "products you viewed or added to your cart", ZH: "您浏览或加购的商品"}},
			{Category: "user.behavior.purchase_history", What: algorithm.Text{EN: "products you bought", ZH: "您购买过的商品"}},
		},
		OptOut: algorithm.Text{
			EN: "Turn personalisation off in the privacy center, or withdraw consent to personalised recommendations: from your next page view you get the same non-personalised items as everyone.",
			ZH: "在隐私中心关闭个性化，或撤回对个性化推荐的同意：从您下一次浏览起，您将看到与所有人相同的非个性化商品。"},
	}
}
