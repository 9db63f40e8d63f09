package demo

import (
	"fmt"
	"math"
	"net/url"
	"sync"
)

// Product categories, as sent in the category property.
const (
	CategoryElectronics = "electronics"
	CategoryApparel     = "apparel"
	CategoryHome        = "home"
	CategoryBeauty      = "beauty"
	CategoryFood        = "food"
	CategoryBooks       = "books"
	CategoryToys        = "toys"
	CategoryBaby        = "baby"
	CategoryHealth      = "health"
)

// Topics mark products whose purchase reveals something sensitive about the
// buyer (SG-01: health-revealing purchase tags such as pregnancy, diabetes).
const (
	TopicDiabetes  = "diabetes"
	TopicPregnancy = "pregnancy"
	TopicInfant    = "infant"
	TopicPharmacy  = "pharmacy"
	TopicSenior    = "senior"
)

var categories = []string{
	CategoryElectronics, CategoryApparel, CategoryHome, CategoryBeauty, CategoryFood,
	CategoryBooks, CategoryToys, CategoryBaby, CategoryHealth,
}

// Product is one catalog entry. Prices are in minor units (cents / fen).
type Product struct {
	ID       string // product_id
	SKU      string
	Category string
	Topic    string // "" or one of the Topic constants
	Brand    string // fictional
	Name     string // English name, sent to non-Chinese locales
	NameZH   string // Chinese name, sent to zh-* locales
	Variant  string
	Query    string // what a shopper types to find it (English)
	QueryZH  string
	PriceCNY int64
	PriceEUR int64
	PriceUSD int64
}

// Price returns the price in minor units for currency (CNY, EUR or USD).
func (p Product) Price(currency string) int64 {
	switch currency {
	case "CNY":
		return p.PriceCNY
	case "EUR":
		return p.PriceEUR
	default:
		return p.PriceUSD
	}
}

// item is a base product; each variant becomes one Product.
type item struct {
	cat, topic, en, zh, qEN, qZH string
	cny                          float64 // base price in yuan
	variants                     []variant
}

type variant struct {
	en, zh string
	mult   float64
}

func v(en, zh string, mult float64) variant { return variant{en, zh, mult} }

var brands = map[string]string{
	CategoryElectronics: "Voltra", CategoryApparel: "Linen & Pine", CategoryHome: "Hearthly",
	CategoryBeauty: "Lumea", CategoryFood: "Orchard Table", CategoryBooks: "Inkwell Press",
	CategoryToys: "Brightblock", CategoryBaby: "Little Sprout", CategoryHealth: "Wellpath",
}

var items = []item{
	// electronics
	{CategoryElectronics, "", "Wireless Earbuds", "无线蓝牙耳机", "wireless earbuds", "蓝牙耳机", 399, []variant{v("Lite", "青春版", 0.75), v("Standard", "标准版", 1), v("Pro", "Pro版", 1.5)}},
	{CategoryElectronics, "", "Smartwatch", "智能手表", "smartwatch", "智能手表", 899, []variant{v("41 mm", "41毫米", 1), v("45 mm", "45毫米", 1.15)}},
	{CategoryElectronics, "", "Power Bank", "充电宝", "power bank", "充电宝", 129, []variant{v("10000 mAh", "10000毫安", 1), v("20000 mAh", "20000毫安", 1.4)}},
	{CategoryElectronics, "", "65 W USB-C Charger", "65W氮化镓充电器", "usb-c charger", "充电器", 159, []variant{v("", "", 1)}},
	{CategoryElectronics, "", "Bluetooth Speaker", "蓝牙音箱", "bluetooth speaker", "蓝牙音箱", 299, []variant{v("Mini", "迷你款", 0.6), v("Standard", "标准款", 1), v("Max", "大号", 1.7)}},
	{CategoryElectronics, "", "Mechanical Keyboard", "机械键盘", "mechanical keyboard", "机械键盘", 459, []variant{v("Red switches", "红轴", 1), v("Brown switches", "茶轴", 1)}},
	{CategoryElectronics, "", "Wireless Mouse", "无线鼠标", "wireless mouse", "无线鼠标", 129, []variant{v("Black", "黑色", 1), v("White", "白色", 1)}},
	{CategoryElectronics, "", "10-inch Tablet", "10英寸平板电脑", "tablet", "平板电脑", 1999, []variant{v("64 GB", "64GB", 1), v("128 GB", "128GB", 1.25)}},
	{CategoryElectronics, "", "Action Camera", "运动相机", "action camera", "运动相机", 1299, []variant{v("", "", 1)}},
	{CategoryElectronics, "", "Noise-Cancelling Headphones", "降噪头戴耳机", "headphones", "降噪耳机", 1499, []variant{v("Black", "黑色", 1), v("Silver", "银色", 1)}},
	{CategoryElectronics, "", "E-reader", "电子书阅读器", "e-reader", "电子书阅读器", 799, []variant{v("", "", 1)}},
	{CategoryElectronics, "", "Phone Case", "手机壳", "phone case", "手机壳", 59, []variant{v("Clear", "透明", 1), v("Black", "黑色", 1)}},
	{CategoryElectronics, "", "Smart Plug", "智能插座", "smart plug", "智能插座", 79, []variant{v("1-pack", "单只装", 1), v("4-pack", "四只装", 3.2)}},
	// apparel
	{CategoryApparel, "", "Cotton T-Shirt", "纯棉T恤", "t-shirt", "T恤", 79, []variant{v("S", "S码", 1), v("M", "M码", 1), v("L", "L码", 1)}},
	{CategoryApparel, "", "Down Jacket", "羽绒服", "down jacket", "羽绒服", 699, []variant{v("M", "M码", 1), v("L", "L码", 1), v("XL", "XL码", 1.05)}},
	{CategoryApparel, "", "Running Shoes", "跑步鞋", "running shoes", "跑步鞋", 459, []variant{v("EU 39", "39码", 1), v("EU 42", "42码", 1), v("EU 44", "44码", 1)}},
	{CategoryApparel, "", "Slim Jeans", "修身牛仔裤", "jeans", "牛仔裤", 259, []variant{v("W28", "28码", 1), v("W32", "32码", 1)}},
	{CategoryApparel, "", "Wool Scarf", "羊毛围巾", "scarf", "围巾", 199, []variant{v("Grey", "灰色", 1), v("Red", "红色", 1)}},
	{CategoryApparel, "", "Summer Dress", "连衣裙", "dress", "连衣裙", 329, []variant{v("S", "S码", 1), v("M", "M码", 1)}},
	{CategoryApparel, "", "Hoodie", "连帽卫衣", "hoodie", "卫衣", 229, []variant{v("M", "M码", 1), v("L", "L码", 1)}},
	{CategoryApparel, "", "Thermal Underwear Set", "保暖内衣套装", "thermal underwear", "保暖内衣", 159, []variant{v("M", "M码", 1), v("L", "L码", 1)}},
	{CategoryApparel, "", "Kids' Raincoat", "儿童雨衣", "kids raincoat", "儿童雨衣", 99, []variant{v("110", "110码", 1), v("130", "130码", 1)}},
	{CategoryApparel, "", "Canvas Sneakers", "帆布鞋", "sneakers", "帆布鞋", 189, []variant{v("", "", 1)}},
	{CategoryApparel, "", "Sun Hat", "遮阳帽", "sun hat", "遮阳帽", 99, []variant{v("", "", 1)}},
	{CategoryApparel, "", "Wool Socks", "羊毛袜", "wool socks", "羊毛袜", 59, []variant{v("3 pairs", "3双装", 1)}},
	// home
	{CategoryHome, "", "Non-stick Frying Pan", "不粘锅煎锅", "frying pan", "不粘锅", 189, []variant{v("24 cm", "24厘米", 1), v("28 cm", "28厘米", 1.2)}},
	{CategoryHome, "", "Rice Cooker", "电饭煲", "rice cooker", "电饭煲", 499, []variant{v("3 L", "3升", 1), v("5 L", "5升", 1.3)}},
	{CategoryHome, "", "Air Fryer", "空气炸锅", "air fryer", "空气炸锅", 399, []variant{v("", "", 1)}},
	{CategoryHome, "", "Bath Towel Set", "浴巾套装", "towels", "浴巾", 129, []variant{v("Grey", "灰色", 1), v("Blue", "蓝色", 1)}},
	{CategoryHome, "", "Memory Foam Pillow", "记忆棉枕头", "pillow", "枕头", 159, []variant{v("", "", 1)}},
	{CategoryHome, "", "Silk Duvet", "蚕丝被", "duvet", "蚕丝被", 899, []variant{v("Single", "单人", 1), v("Double", "双人", 1.4)}},
	{CategoryHome, "", "Desk Lamp", "护眼台灯", "desk lamp", "台灯", 229, []variant{v("White", "白色", 1), v("Black", "黑色", 1)}},
	{CategoryHome, "", "Storage Boxes", "收纳箱", "storage boxes", "收纳箱", 89, []variant{v("3-pack", "三件套", 1), v("6-pack", "六件套", 1.8)}},
	{CategoryHome, "", "Water Filter Pitcher", "净水壶", "water filter", "净水壶", 149, []variant{v("", "", 1)}},
	{CategoryHome, "", "Electric Kettle", "电热水壶", "kettle", "电热水壶", 139, []variant{v("1.5 L", "1.5升", 1), v("1.7 L", "1.7升", 1.1)}},
	{CategoryHome, "", "Robot Vacuum", "扫地机器人", "robot vacuum", "扫地机器人", 1999, []variant{v("", "", 1)}},
	{CategoryHome, "", "Humidifier", "加湿器", "humidifier", "加湿器", 199, []variant{v("", "", 1)}},
	{CategoryHome, "", "Scented Candle", "香薰蜡烛", "candle", "香薰蜡烛", 89, []variant{v("Lavender", "薰衣草", 1), v("Cedar", "雪松", 1)}},
	{CategoryHome, "", "Chef's Knife", "厨师刀", "kitchen knife", "菜刀", 259, []variant{v("", "", 1)}},
	// beauty
	{CategoryBeauty, "", "Moisturising Cream", "保湿面霜", "moisturiser", "面霜", 259, []variant{v("50 ml", "50毫升", 1)}},
	{CategoryBeauty, "", "Sunscreen SPF 50", "防晒霜SPF50", "sunscreen", "防晒霜", 149, []variant{v("50 ml", "50毫升", 1), v("100 ml", "100毫升", 1.7)}},
	{CategoryBeauty, "", "Facial Cleanser", "洗面奶", "cleanser", "洗面奶", 89, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Sheet Masks", "面膜", "sheet mask", "面膜", 99, []variant{v("10-pack", "10片装", 1), v("30-pack", "30片装", 2.6)}},
	{CategoryBeauty, "", "Lipstick", "口红", "lipstick", "口红", 199, []variant{v("Rose", "玫瑰色", 1), v("Coral", "珊瑚色", 1), v("Red", "正红色", 1)}},
	{CategoryBeauty, "", "Shampoo", "洗发水", "shampoo", "洗发水", 69, []variant{v("400 ml", "400毫升", 1), v("750 ml", "750毫升", 1.5)}},
	{CategoryBeauty, "", "Vitamin C Serum", "维C精华液", "serum", "精华液", 399, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Electric Toothbrush", "电动牙刷", "electric toothbrush", "电动牙刷", 299, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Hand Cream", "护手霜", "hand cream", "护手霜", 49, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Eau de Parfum", "香水", "perfume", "香水", 599, []variant{v("30 ml", "30毫升", 1), v("50 ml", "50毫升", 1.4)}},
	{CategoryBeauty, "", "Body Lotion", "身体乳", "body lotion", "身体乳", 79, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Eye Cream", "眼霜", "eye cream", "眼霜", 299, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Micellar Water", "卸妆水", "makeup remover", "卸妆水", 99, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Hair Dryer", "吹风机", "hair dryer", "吹风机", 399, []variant{v("", "", 1)}},
	{CategoryBeauty, "", "Nail Polish", "指甲油", "nail polish", "指甲油", 49, []variant{v("Nude", "裸色", 1), v("Berry", "莓果色", 1)}},
	// food
	{CategoryFood, "", "Longjing Green Tea", "龙井绿茶", "green tea", "绿茶", 168, []variant{v("100 g", "100克", 1), v("250 g", "250克", 2.2)}},
	{CategoryFood, "", "Coffee Beans", "咖啡豆", "coffee beans", "咖啡豆", 89, []variant{v("Medium roast", "中度烘焙", 1), v("Dark roast", "深度烘焙", 1)}},
	{CategoryFood, "", "Daily Mixed Nuts", "每日坚果", "mixed nuts", "坚果", 129, []variant{v("30 packs", "30袋", 1)}},
	{CategoryFood, "", "Extra Virgin Olive Oil", "特级初榨橄榄油", "olive oil", "橄榄油", 99, []variant{v("", "", 1)}},
	{CategoryFood, "", "Instant Noodles", "方便面", "instant noodles", "方便面", 19, []variant{v("Beef, 5-pack", "红烧牛肉五连包", 1), v("Spicy, 5-pack", "香辣五连包", 1)}},
	{CategoryFood, "", "Dark Chocolate", "黑巧克力", "dark chocolate", "黑巧克力", 39, []variant{v("70%", "70%", 1), v("85%", "85%", 1.1)}},
	{CategoryFood, "", "Northeast Rice", "东北大米", "rice", "大米", 69, []variant{v("5 kg", "5公斤", 1)}},
	{CategoryFood, "", "Wildflower Honey", "百花蜂蜜", "honey", "蜂蜜", 79, []variant{v("500 g", "500克", 1), v("1 kg", "1公斤", 1.8)}},
	{CategoryFood, "", "Dried Mango", "芒果干", "dried mango", "芒果干", 29, []variant{v("", "", 1)}},
	{CategoryFood, "", "Sparkling Water", "苏打水", "sparkling water", "苏打水", 89, []variant{v("24 cans", "24罐", 1)}},
	{CategoryFood, "", "Mooncake Gift Box", "月饼礼盒", "mooncakes", "月饼", 199, []variant{v("", "", 1)}},
	{CategoryFood, "", "Oat Milk", "燕麦奶", "oat milk", "燕麦奶", 45, []variant{v("6 × 1 L", "1升×6", 1)}},
	{CategoryFood, "", "Oolong Tea", "乌龙茶", "oolong tea", "乌龙茶", 128, []variant{v("250 g", "250克", 1)}},
	{CategoryFood, "", "Hotpot Soup Base", "火锅底料", "hotpot base", "火锅底料", 29, []variant{v("Mild", "微辣", 1), v("Extra spicy", "特辣", 1)}},
	{CategoryFood, "", "Greek Yogurt", "希腊酸奶", "yogurt", "酸奶", 39, []variant{v("", "", 1)}},
	// books (fictional titles)
	{CategoryBooks, "", "The Quiet Orchard (novel)", "《静园》（小说）", "novel", "小说", 49, []variant{v("Paperback", "平装", 1), v("E-book", "电子书", 0.5)}},
	{CategoryBooks, "", "Learning Go by Example", "《Go语言实例入门》", "programming book", "编程书", 89, []variant{v("Paperback", "平装", 1), v("E-book", "电子书", 0.5)}},
	{CategoryBooks, "", "A Short History of Tea", "《茶的简史》", "history book", "历史书", 59, []variant{v("Hardcover", "精装", 1.3), v("Paperback", "平装", 1)}},
	{CategoryBooks, "", "Cooking for Two", "《两个人的厨房》", "cookbook", "菜谱", 68, []variant{v("", "", 1)}},
	{CategoryBooks, "", "The Little Moon (picture book)", "绘本《小月亮》", "picture book", "绘本", 35, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Mindful Money", "《理财的智慧》", "finance book", "理财书", 55, []variant{v("Paperback", "平装", 1), v("E-book", "电子书", 0.5)}},
	{CategoryBooks, "", "Stars and Planets for Kids", "《给孩子的星空书》", "kids science book", "少儿科普", 45, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Calligraphy Basics", "《书法入门》", "calligraphy", "书法", 39, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Yunnan Travel Guide", "《云南旅行指南》", "travel guide", "旅行指南", 65, []variant{v("", "", 1)}},
	{CategoryBooks, "", "The First Year with Baby", "《宝宝第一年》", "parenting book", "育儿书", 58, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Gentle Yoga After Sixty", "《六十岁后的舒缓瑜伽》", "yoga book", "瑜伽书", 42, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Data Privacy Explained", "《数据隐私通识》", "privacy book", "隐私", 69, []variant{v("Paperback", "平装", 1), v("E-book", "电子书", 0.5)}},
	{CategoryBooks, "", "Mountains of Light (poems)", "《光之山》（诗集）", "poetry", "诗集", 39, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Home Garden Handbook", "《家庭园艺手册》", "gardening book", "园艺", 49, []variant{v("", "", 1)}},
	{CategoryBooks, "", "Chinese for Beginners", "《汉语入门》", "learn chinese", "汉语", 79, []variant{v("Book", "图书", 1), v("Book + audio", "图书+音频", 1.3)}},
	// toys
	{CategoryToys, "", "Building Blocks Set", "积木套装", "building blocks", "积木", 299, []variant{v("500 pieces", "500颗粒", 1), v("1200 pieces", "1200颗粒", 1.9)}},
	{CategoryToys, "", "Remote-Control Car", "遥控车", "rc car", "遥控车", 199, []variant{v("", "", 1)}},
	{CategoryToys, "", "Plush Panda", "熊猫毛绒玩具", "plush panda", "毛绒玩具", 89, []variant{v("Small", "小号", 1), v("Large", "大号", 1.8)}},
	{CategoryToys, "", "Jigsaw Puzzle", "拼图", "jigsaw puzzle", "拼图", 79, []variant{v("1000 pieces", "1000片", 1)}},
	{CategoryToys, "", "Harbour Traders (board game)", "桌游《港口商人》", "board game", "桌游", 159, []variant{v("", "", 1)}},
	{CategoryToys, "", "Kids' Scooter", "儿童滑板车", "scooter", "滑板车", 259, []variant{v("", "", 1)}},
	{CategoryToys, "", "Drawing Set", "儿童绘画套装", "drawing set", "画笔", 99, []variant{v("", "", 1)}},
	{CategoryToys, "", "Science Kit", "科学实验套装", "science kit", "科学实验", 149, []variant{v("", "", 1)}},
	{CategoryToys, "", "Doll House", "娃娃屋", "doll house", "娃娃屋", 399, []variant{v("", "", 1)}},
	{CategoryToys, "", "Wooden Train Set", "木质火车轨道", "train set", "火车玩具", 229, []variant{v("", "", 1)}},
	{CategoryToys, "", "Speed Cube", "魔方", "speed cube", "魔方", 29, []variant{v("3×3", "三阶", 1), v("4×4", "四阶", 1.5)}},
	{CategoryToys, "", "Kite", "风筝", "kite", "风筝", 49, []variant{v("", "", 1)}},
	{CategoryToys, "", "Water Blaster", "儿童水枪", "water gun", "水枪", 39, []variant{v("", "", 1)}},
	{CategoryToys, "", "Toy Kitchen", "儿童厨房玩具", "toy kitchen", "过家家", 329, []variant{v("", "", 1)}},
	{CategoryToys, "", "Magnetic Tiles", "磁力片", "magnetic tiles", "磁力片", 199, []variant{v("60 pieces", "60片", 1), v("100 pieces", "100片", 1.5)}},
	{CategoryToys, "", "Skipping Rope", "跳绳", "skipping rope", "跳绳", 25, []variant{v("", "", 1)}},
	// baby
	{CategoryBaby, TopicInfant, "Infant Formula Stage 1 (0–6 months)", "婴儿配方奶粉1段（0–6月龄）", "infant formula", "奶粉", 328, []variant{v("900 g", "900克", 1)}},
	{CategoryBaby, TopicInfant, "Follow-on Formula Stage 2 (6–12 months)", "较大婴儿配方奶粉2段（6–12月龄）", "infant formula", "奶粉", 308, []variant{v("900 g", "900克", 1)}},
	{CategoryBaby, TopicInfant, "Growing-up Milk Stage 3 (1–3 years)", "幼儿配方奶粉3段（1–3岁）", "toddler milk", "奶粉", 288, []variant{v("900 g", "900克", 1)}},
	{CategoryBaby, TopicInfant, "Diapers", "纸尿裤", "diapers", "纸尿裤", 129, []variant{v("NB, 84 pcs", "NB码84片", 1), v("S, 72 pcs", "S码72片", 1), v("M, 60 pcs", "M码60片", 1), v("L, 52 pcs", "L码52片", 1), v("XL, 44 pcs", "XL码44片", 1)}},
	{CategoryBaby, TopicInfant, "Pull-up Pants", "拉拉裤", "pull-ups", "拉拉裤", 139, []variant{v("L", "L码", 1), v("XL", "XL码", 1)}},
	{CategoryBaby, TopicInfant, "Baby Wipes", "婴儿湿巾", "baby wipes", "湿巾", 59, []variant{v("80 × 6 packs", "80抽×6包", 1)}},
	{CategoryBaby, TopicInfant, "Feeding Bottle", "婴儿奶瓶", "baby bottle", "奶瓶", 89, []variant{v("160 ml", "160毫升", 1), v("240 ml", "240毫升", 1.1)}},
	{CategoryBaby, TopicInfant, "Stroller", "婴儿推车", "stroller", "婴儿推车", 1299, []variant{v("", "", 1)}},
	{CategoryBaby, TopicInfant, "Child Car Seat", "儿童安全座椅", "car seat", "安全座椅", 1599, []variant{v("", "", 1)}},
	{CategoryBaby, TopicInfant, "Baby Rice Cereal", "婴儿米粉", "baby cereal", "米粉", 69, []variant{v("", "", 1)}},
	{CategoryBaby, TopicPregnancy, "Electric Breast Pump", "电动吸奶器", "breast pump", "吸奶器", 699, []variant{v("", "", 1)}},
	{CategoryBaby, TopicInfant, "Baby Monitor", "婴儿监护器", "baby monitor", "婴儿监护器", 499, []variant{v("", "", 1)}},
	{CategoryBaby, TopicInfant, "Silicone Teether", "硅胶牙胶", "teether", "牙胶", 39, []variant{v("", "", 1)}},
	{CategoryBaby, TopicInfant, "Baby Bath Tub", "婴儿浴盆", "baby bath", "浴盆", 129, []variant{v("", "", 1)}},
	{CategoryBaby, TopicInfant, "Baby Sleeping Bag", "婴儿睡袋", "sleeping bag", "睡袋", 169, []variant{v("0–6 months", "0–6月龄", 1), v("6–18 months", "6–18月龄", 1.1)}},
	// health
	{CategoryHealth, TopicDiabetes, "Blood Glucose Meter Kit", "血糖仪套装", "blood glucose meter", "血糖仪", 199, []variant{v("", "", 1)}},
	{CategoryHealth, TopicDiabetes, "Glucose Test Strips", "血糖试纸", "test strips", "血糖试纸", 89, []variant{v("50 strips", "50片", 1), v("100 strips", "100片", 1.8)}},
	{CategoryHealth, TopicDiabetes, "Lancets", "采血针", "lancets", "采血针", 29, []variant{v("100 pcs", "100支", 1)}},
	{CategoryHealth, TopicDiabetes, "Insulin Pen Needles", "胰岛素笔针头", "pen needles", "胰岛素针头", 79, []variant{v("4 mm, 100 pcs", "4毫米100支", 1)}},
	{CategoryHealth, TopicSenior, "Blood Pressure Monitor", "电子血压计", "blood pressure monitor", "血压计", 259, []variant{v("", "", 1)}},
	{CategoryHealth, TopicPregnancy, "Prenatal Multivitamins", "孕妇复合维生素", "prenatal vitamins", "孕妇维生素", 198, []variant{v("60 tablets", "60片", 1), v("120 tablets", "120片", 1.8)}},
	{CategoryHealth, TopicPregnancy, "Folic Acid 0.4 mg", "叶酸片0.4mg", "folic acid", "叶酸", 39, []variant{v("93 tablets", "93片", 1)}},
	{CategoryHealth, TopicPregnancy, "Pregnancy Test", "验孕棒", "pregnancy test", "验孕棒", 29, []variant{v("2 tests", "2支装", 1)}},
	{CategoryHealth, "", "Digital Thermometer", "电子体温计", "thermometer", "体温计", 49, []variant{v("", "", 1)}},
	{CategoryHealth, TopicPharmacy, "Ibuprofen 200 mg", "布洛芬片200mg", "ibuprofen", "布洛芬", 25, []variant{v("24 tablets", "24片", 1)}},
	{CategoryHealth, TopicPharmacy, "Cold Relief Granules", "感冒颗粒", "cold medicine", "感冒药", 19, []variant{v("9 sachets", "9袋", 1)}},
	{CategoryHealth, TopicSenior, "Incontinence Pads", "成人纸尿裤", "incontinence pads", "成人纸尿裤", 89, []variant{v("M", "M码", 1), v("L", "L码", 1)}},
	{CategoryHealth, "", "Fish Oil Capsules", "鱼油软胶囊", "fish oil", "鱼油", 129, []variant{v("", "", 1)}},
	{CategoryHealth, TopicSenior, "Calcium + Vitamin D3", "钙维生素D3片", "calcium", "钙片", 89, []variant{v("", "", 1)}},
	{CategoryHealth, TopicSenior, "Hearing Amplifier", "助听器", "hearing aid", "助听器", 899, []variant{v("", "", 1)}},
	{CategoryHealth, "", "Knee Support", "护膝", "knee brace", "护膝", 69, []variant{v("", "", 1)}},
	{CategoryHealth, TopicPharmacy, "Medical Face Masks", "一次性医用口罩", "face masks", "口罩", 29, []variant{v("50 pcs", "50只", 1)}},
	{CategoryHealth, "", "Pulse Oximeter", "指夹式血氧仪", "pulse oximeter", "血氧仪", 159, []variant{v("", "", 1)}},
	{CategoryHealth, TopicInfant, "Vitamin D Drops for Infants", "婴儿维生素D滴剂", "vitamin d drops", "维生素D滴剂", 69, []variant{v("", "", 1)}},
	{CategoryHealth, TopicSenior, "Reading Glasses", "老花镜", "reading glasses", "老花镜", 59, []variant{v("+1.5", "150度", 1), v("+2.5", "250度", 1)}},
}

// catalogTable is the built catalog plus what rendering needs per product.
type catalogTable struct {
	products []Product
	url      []string // product page URL
	byCat    map[string][]int
	queryURL map[string]string // search page URL by query
}

var loadCatalog = sync.OnceValue(buildCatalog)

func buildCatalog() *catalogTable {
	t := &catalogTable{byCat: map[string][]int{}, queryURL: map[string]string{}}
	catCount := map[string]int{}
	for _, it := range items {
		for _, va := range it.variants {
			catCount[it.cat]++
			n := len(t.products) + 1
			cny := it.cny * va.mult
			p := Product{
				ID:       fmt.Sprintf("p%04d", n),
				SKU:      fmt.Sprintf("%s-%03d", skuPrefix(it.cat), catCount[it.cat]),
				Category: it.cat,
				Topic:    it.topic,
				Brand:    brands[it.cat],
				Name:     it.en,
				NameZH:   it.zh,
				Variant:  va.en,
				Query:    it.qEN,
				QueryZH:  it.qZH,
				PriceCNY: retailCents(cny),
				PriceEUR: retailCents(cny / 7.8),
				PriceUSD: retailCents(cny / 7.2),
			}
			if va.en != "" {
				p.Name = it.en + ", " + va.en
				p.NameZH = it.zh + " " + va.zh
			}
			t.byCat[p.Category] = append(t.byCat[p.Category], len(t.products))
			t.products = append(t.products, p)
			t.url = append(t.url, shopURL+"/p/"+p.SKU)
			for _, q := range []string{p.Query, p.QueryZH} {
				t.queryURL[q] = shopURL + "/search?q=" + url.QueryEscape(q)
			}
		}
	}
	return t
}

func skuPrefix(cat string) string {
	switch cat {
	case CategoryElectronics:
		return "EL"
	case CategoryApparel:
		return "AP"
	case CategoryHome:
		return "HO"
	case CategoryBeauty:
		return "BE"
	case CategoryFood:
		return "FO"
	case CategoryBooks:
		return "BK"
	case CategoryToys:
		return "TY"
	case CategoryBaby:
		return "BB"
	default:
		return "HL"
	}
}

// retailCents rounds a price up to the next whole unit and subtracts one
// cent (x.99), or to x9.00 for prices in the hundreds, as shops do.
func retailCents(p float64) int64 {
	if p >= 100 {
		return int64(math.Ceil(p/10)*10-1) * 100
	}
	return int64(math.Ceil(p))*100 - 1
}

// Catalog returns a copy of the demo shop's products.
func Catalog() []Product {
	return append([]Product(nil), loadCatalog().products...)
}
