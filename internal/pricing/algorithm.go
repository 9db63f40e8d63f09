package pricing

import "github.com/stewardhq/steward/internal/algorithm"

// AlgorithmID is pricing's id in the algorithm register.
const AlgorithmID = "pricing"

// Algorithm describes the price rules engine for the algorithm register.
func Algorithm() algorithm.Algorithm {
	return algorithm.Algorithm{
		ID: AlgorithmID, Kind: algorithm.Pricing, Purpose: PurposeQuote, Owner: "steward/pricing", Significant: true,
		Name: algorithm.Text{EN: "Prices and offers", ZH: "价格与优惠"},
		Intent: algorithm.Text{
			EN: "Apply the shop's published promotions and loyalty rewards to a list price.",
			ZH: "在标价上应用本店公开的促销和忠诚顾客优惠。"},
		Principles: algorithm.Text{
			EN: "Only published rules apply, each with its public reason; a rule may depend on the item, the time, the sales channel, the quantity, a promotion code, and — to lower a price only — how long or how often you have bought here. Existing and loyal customers never pay more than new ones for the same item at the same time. Your device, your spending, your profile tags, sensitive information and whether you exercised a privacy right never change a price. Every quote lists every factor; an hourly audit compares prices by customer tenure, device and spend.",
			ZH: "只应用公开的规则，每条都有公开的理由；规则只能依据商品、时间、销售渠道、数量、优惠码，以及（仅用于降价）您在本店购买的时长或次数。老顾客和忠诚顾客在同一时间购买同一商品，绝不会比新顾客付更多钱。您的设备、消费金额、画像标签、敏感个人信息以及您是否行使了隐私权利，都不会改变价格。每次报价列出全部因素；每小时的审计按顾客时长、设备和消费档次比较价格。"},
		Mechanism: algorithm.Text{
			EN: "Each rule in force whose items, time window and conditions match changes the price by its percentage, in name order, rounded to the smallest unit. A price that used your order history (a loyalty reward) is marked personalised.",
			ZH: "每条在有效期内且商品、时间和条件都匹配的规则，按名称顺序以其百分比调整价格，并四舍五入到最小货币单位。使用了您订单记录（忠诚顾客优惠）的价格会标明为个性化价格。"},
		Inputs: []algorithm.Input{
			{Category: "user.behavior.purchase_history", What: algorithm.Text{EN: "how many orders you completed and when the first was", ZH: "您完成的订单数及首单时间"}},
			{Category: "user.contact.address.country", What: algorithm.Text{EN: "your country, to know which law's disclosures apply", ZH: "您所在的国家，用于确定适用哪部法律的披露要求"}},
		},
		OptOut: algorithm.Text{
			EN: "You may ask for an explanation of a price, or for a person to review it, in the privacy center; loyalty rewards only ever lower a price.",
			ZH: "您可以在隐私中心要求解释某个价格，或要求人工复核；忠诚顾客优惠只会降低价格。"},
	}
}
