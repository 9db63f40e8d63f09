package taxonomy

// Basis is a legal basis for processing (PIPL Art. 13; GDPR Art. 6).
type Basis string

// Legal bases. Legitimate interest exists in the GDPR and (as a business purpose) under the
// CCPA, not in the PIPL, so a purpose on it names the jurisdictions that allow it.
const (
	Consent            Basis = "consent"
	Contract           Basis = "contract"
	LegalObligation    Basis = "legal_obligation"
	VitalInterest      Basis = "vital_interest"
	PublicInterest     Basis = "public_interest"
	LegitimateInterest Basis = "legitimate_interest"
)

// Valid reports whether b is a known basis.
func (b Basis) Valid() bool {
	switch b {
	case Consent, Contract, LegalObligation, VitalInterest, PublicInterest, LegitimateInterest:
		return true
	}
	return false
}

// Purpose is one data use.
type Purpose struct {
	Key   string
	Basis Basis
	// LIJurisdictions lists where legitimate interest may be relied on ("EU", "US", "GB").
	LIJurisdictions []string
	// MaxRetentionDays is the longest a deployment may keep data for this purpose.
	MaxRetentionDays int
	StatementZH      string
	StatementEN      string
	// SeparateConsent: the purpose needs consent not bundled with anything else (PIPL Art.
	// 23, 29, 39: third-party sharing, sensitive data, cross-border transfer, disclosure).
	SeparateConsent bool
	// Marketing: direct marketing, stopped by an objection (GDPR Art. 21(3), PT-07).
	Marketing bool
	// Targeting: selects or ranks what a person sees from their own data; stopped by
	// "personalisation off" (PIPL Art. 24, ARP Art. 17, PT-03) and never offered to minors
	// when it is advertising.
	Targeting bool
	// SaleShare: a sale, sharing or cross-context targeted advertising in the CCPA sense,
	// stopped by GPC (§7025, NC-08).
	SaleShare bool
	// AutomatedDecision: automated decision-making (PIPL Art. 24, GDPR Art. 22).
	AutomatedDecision bool
}

// NeedsConsent reports whether the purpose rests on consent everywhere.
func (p Purpose) NeedsConsent() bool { return p.Basis == Consent }

// Advertising reports whether the purpose is personalised advertising, which minors never
// get (SG-03, PT-08).
func (p Purpose) Advertising() bool {
	return Beneath(p.Key, "marketing.advertising") && p.Targeting
}

// Purpose keys the policy decision point gives meaning to.
const (
	PurposeThirdPartySharing   = "third_party_sharing"
	PurposeCrossBorderTransfer = "cross_border_transfer"
)

var publishedPurposes = []Purpose{
	{Key: "essential.service", Basis: Contract, MaxRetentionDays: 1095,
		StatementZH: "处理您的订单：用您的姓名、联系方式和地址完成下单、付款、发货和售后。",
		StatementEN: "Fulfil your orders: use your name, contact details and address to take the order, payment, delivery and after-sales service."},
	{Key: "essential.fraud_detection", Basis: LegitimateInterest, LIJurisdictions: []string{"EU", "GB", "US"}, MaxRetentionDays: 365, AutomatedDecision: true,
		StatementZH: "识别欺诈订单：用设备和下单记录自动判断订单是否可疑，可疑订单由人工复核。",
		StatementEN: "Detect fraudulent orders: use device and order records to flag suspicious orders automatically; a person reviews every flagged order."},
	{Key: "analytics.reporting", Basis: Consent, MaxRetentionDays: 400,
		StatementZH: "统计网站使用情况：把您的浏览和购买记录汇总成报表（如每日访问量、转化率），报表中不出现个人。",
		StatementEN: "Count how the shop is used: aggregate your browsing and purchase records into reports (daily visits, conversion rates) that show no individual."},
	{Key: "personalize.content", Basis: Consent, MaxRetentionDays: 180, Targeting: true,
		StatementZH: "个性化推荐：根据您浏览、搜索和购买过的商品，在本店内为您排序和推荐商品。",
		StatementEN: "Personalised recommendations: rank and suggest products in this shop from the products you viewed, searched for and bought."},
	{Key: "marketing.advertising.profiling", Basis: Consent, MaxRetentionDays: 180, Marketing: true, Targeting: true, AutomatedDecision: true,
		StatementZH: "广告画像：根据您的浏览和购买记录为您打上兴趣标签（如“母婴”），用于决定向您展示哪些广告。",
		StatementEN: "Advertising profile: tag you with interests (such as \"baby products\") from your browsing and purchases to decide which ads you see."},
	{Key: "marketing.advertising.first_party", Basis: Consent, MaxRetentionDays: 180, Marketing: true, Targeting: true,
		StatementZH: "本店定向广告：在本店网站和应用内，根据您的兴趣标签展示本店商品的促销。",
		StatementEN: "Our own targeted offers: show promotions for our products inside our site and app, chosen by your interest tags."},
	{Key: "marketing.advertising.third_party.targeted", Basis: Consent, MaxRetentionDays: 90, Marketing: true, Targeting: true, SaleShare: true, SeparateConsent: true,
		StatementZH: "站外定向广告：把您的加密标识和兴趣标签提供给广告平台，让它们在其他网站和应用中向您展示本店广告。",
		StatementEN: "Ads elsewhere: give a hashed identifier and your interest tags to advertising platforms so they show you our ads on other sites and apps."},
	{Key: "marketing.communications", Basis: Consent, MaxRetentionDays: 365, Marketing: true,
		StatementZH: "营销消息：向您的邮箱或手机发送促销和新品信息，每封都可一键退订。",
		StatementEN: "Marketing messages: send promotions and new-product news to your email or phone; every message has a one-click unsubscribe."},
	{Key: "marketing.communications.email", Basis: Consent, MaxRetentionDays: 365, Marketing: true,
		StatementZH: "营销邮件：向您的邮箱发送促销和新品信息，每封都可一键退订。",
		StatementEN: "Marketing email: send promotions and new-product news to your email address; every email has a one-click unsubscribe."},
	{Key: PurposeThirdPartySharing, Basis: Consent, MaxRetentionDays: 90, SaleShare: true, SeparateConsent: true,
		StatementZH: "向第三方提供：把清单中列明的数据提供给列明名称的合作方，用于列明的用途；每个合作方单独征得您的同意。",
		StatementEN: "Give data to named partners: hand the listed data to each named partner for the listed use; we ask you separately for each partner."},
	{Key: PurposeCrossBorderTransfer, Basis: Consent, MaxRetentionDays: 90, SeparateConsent: true,
		StatementZH: "向境外提供：把列明的数据传输给位于中国境外的列明接收方，仅在签订标准合同等法定机制后进行。",
		StatementEN: "Send data abroad: transfer the listed data to the named recipient outside China, only under a recorded legal mechanism such as the standard contract."},
}
