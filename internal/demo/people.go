package demo

// Small embedded lists from which synthetic people are assembled. Names are
// common given names and surnames combined at random, so no combination
// describes a real person; contact data stays in reserved ranges.

// cnName is a Chinese name part with its pinyin, used for the email address.
type cnName struct{ han, pinyin string }

var cnSurnames = []cnName{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
	{"杨", "yang"}, {"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"},
	{"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"},
	{"郭", "guo"}, {"何", "he"}, {"高", "gao"}, {"林", "lin"}, {"罗", "luo"},
	{"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"},
	{"韩", "han"}, {"冯", "feng"}, {"邓", "deng"}, {"曹", "cao"}, {"彭", "peng"},
	{"曾", "zeng"}, {"田", "tian"}, {"董", "dong"}, {"潘", "pan"}, {"袁", "yuan"},
	{"蔡", "cai"}, {"蒋", "jiang"}, {"余", "yu"}, {"杜", "du"}, {"叶", "ye"},
}

// Given names by generation: older subjects get names common at their birth.
var (
	cnFemaleOld = []cnName{
		{"秀英", "xiuying"}, {"桂英", "guiying"}, {"玉兰", "yulan"}, {"淑珍", "shuzhen"},
		{"凤英", "fengying"}, {"丽华", "lihua"}, {"建芳", "jianfang"}, {"红梅", "hongmei"},
	}
	cnFemale = []cnName{
		{"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"},
		{"艳", "yan"}, {"娟", "juan"}, {"婷", "ting"}, {"雪", "xue"}, {"慧", "hui"},
		{"颖", "ying"}, {"晓燕", "xiaoyan"}, {"佳怡", "jiayi"}, {"欣然", "xinran"},
	}
	cnFemaleYoung = []cnName{
		{"梓涵", "zihan"}, {"雨桐", "yutong"}, {"诗涵", "shihan"}, {"思琪", "siqi"},
		{"一诺", "yinuo"}, {"可馨", "kexin"}, {"语嫣", "yuyan"}, {"若汐", "ruoxi"},
	}
	cnMaleOld = []cnName{
		{"建国", "jianguo"}, {"国华", "guohua"}, {"建华", "jianhua"}, {"志明", "zhiming"},
		{"德明", "deming"}, {"卫东", "weidong"}, {"福林", "fulin"}, {"永强", "yongqiang"},
	}
	cnMale = []cnName{
		{"伟", "wei"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"洋", "yang"},
		{"勇", "yong"}, {"杰", "jie"}, {"涛", "tao"}, {"明", "ming"}, {"超", "chao"},
		{"俊杰", "junjie"}, {"志强", "zhiqiang"}, {"文博", "wenbo"}, {"晨阳", "chenyang"},
	}
	cnMaleYoung = []cnName{
		{"子轩", "zixuan"}, {"浩然", "haoran"}, {"宇航", "yuhang"}, {"一鸣", "yiming"},
		{"梓睿", "zirui"}, {"沐阳", "muyang"}, {"俊熙", "junxi"}, {"天佑", "tianyou"},
	}
)

// westernNames holds one language's given names and surnames.
type westernNames struct {
	female, male, surnames []string
}

var (
	namesEN = westernNames{
		female:   []string{"Emma", "Olivia", "Sophie", "Grace", "Hannah", "Emily", "Chloe", "Lucy", "Ava", "Mia", "Ruth", "Margaret", "Isla", "Amelia"},
		male:     []string{"James", "Oliver", "Jack", "Henry", "Samuel", "Daniel", "Thomas", "Noah", "Leo", "Arthur", "George", "Walter", "Harry", "Oscar"},
		surnames: []string{"Smith", "Johnson", "Brown", "Taylor", "Walker", "Harris", "Clarke", "Lewis", "Young", "Hall", "Wright", "Green", "Baker", "Carter", "Hughes", "Morgan", "Parker", "Reed", "Bennett", "Foster"},
	}
	namesUS = westernNames{
		female:   []string{"Emma", "Olivia", "Sofia", "Camila", "Ava", "Mia", "Harper", "Evelyn", "Abigail", "Madison", "Linda", "Barbara", "Grace", "Chloe"},
		male:     []string{"Liam", "Noah", "Mateo", "Diego", "Ethan", "Aiden", "Lucas", "Benjamin", "Elijah", "Logan", "Robert", "Richard", "Daniel", "Kevin"},
		surnames: []string{"Smith", "Johnson", "Garcia", "Martinez", "Lopez", "Nguyen", "Kim", "Patel", "Chen", "Miller", "Davis", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "Lee", "Hernandez", "Walker", "Young"},
	}
	namesDE = westernNames{
		female:   []string{"Anna", "Lena", "Marie", "Sophie", "Laura", "Julia", "Lea", "Hannah", "Katharina", "Ursula", "Helga", "Ingrid", "Emilia", "Clara"},
		male:     []string{"Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Leon", "Tobias", "Jan", "Stefan", "Klaus", "Jürgen", "Wolfgang", "Elias", "Moritz"},
		surnames: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Braun", "Zimmermann", "Krüger", "Hartmann"},
	}
	namesFR = westernNames{
		female:   []string{"Camille", "Léa", "Chloé", "Manon", "Inès", "Juliette", "Élise", "Margaux", "Claire", "Brigitte", "Monique", "Zoé", "Louise", "Jeanne"},
		male:     []string{"Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Théo", "Nicolas", "Antoine", "Pierre", "Michel", "Bernard", "Raphaël", "Étienne"},
		surnames: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garnier", "Fontaine", "Rousseau", "Girard", "Bonnet", "Mercier"},
	}
	namesNL = westernNames{
		female:   []string{"Emma", "Julia", "Sanne", "Lotte", "Fleur", "Anouk", "Eva", "Femke", "Sophie", "Noor"},
		male:     []string{"Daan", "Sem", "Lucas", "Bram", "Thijs", "Ruben", "Jeroen", "Pieter", "Finn", "Jesse"},
		surnames: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos", "Peters"},
	}
	namesIT = westernNames{
		female:   []string{"Giulia", "Sofia", "Aurora", "Chiara", "Francesca", "Alessia", "Martina", "Elena", "Giorgia", "Anna"},
		male:     []string{"Leonardo", "Francesco", "Alessandro", "Lorenzo", "Matteo", "Andrea", "Giuseppe", "Marco", "Riccardo", "Tommaso"},
		surnames: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "Costa"},
	}
	namesES = westernNames{
		female:   []string{"Lucía", "Sofía", "Martina", "María", "Paula", "Carmen", "Elena", "Alba", "Julia", "Noa"},
		male:     []string{"Hugo", "Mateo", "Martín", "Lucas", "Pablo", "Javier", "Alejandro", "Diego", "Daniel", "Álvaro"},
		surnames: []string{"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Díaz", "Moreno"},
	}
)

// asciiFold maps the accented letters that occur in the lists above to the
// ASCII spelling used in email local parts.
var asciiFold = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'Ä': "ae", 'Ö': "oe", 'Ü': "ue",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'É': "e", 'à': "a", 'â': "a", 'á': "a",
	'ç': "c", 'î': "i", 'ï': "i", 'í': "i", 'ô': "o", 'ó': "o", 'û': "u", 'ù': "u",
	'ú': "u", 'ñ': "n", 'Á': "a", 'Ñ': "n",
}

// emailPart lower-cases s to [a-z] only, folding accents and dropping spaces.
func emailPart(s string) string {
	b := make([]byte, 0, len(s)+2)
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		default:
			b = append(b, asciiFold[r]...)
		}
	}
	return string(b)
}

// emailDomains are the RFC 2606 example domains; no other domain is used.
var emailDomains = []string{"example.com", "example.net", "example.org"}

// place is a city with its traits.address.state ("" when none is sent).
type place struct{ city, state string }

// country describes what a subject living there sends.
type country struct {
	code     string
	region   Region
	weight   int // within its region
	locales  []string
	tz       string // context.timezone
	offset   int64  // hours from UTC for hour-of-day patterns (DST ignored)
	currency string
	names    *westernNames // nil: Chinese names
	places   []place
	phone    phonePlan
}

// phonePlan builds a phone number in a range reserved for fiction, or none.
type phonePlan int

const (
	phoneNone phonePlan = iota
	phoneCN             // +86 1[3-9]x xxxx xxxx: China has no fictional range, see doc.go
	phoneNANP           // +1 <CA area code> 555-01xx (NANPA fictional range)
	phoneGB             // +44 7700 900xxx (Ofcom drama range)
	phoneFR             // +33 6 39 98 xx xx (ARCEP fiction range)
)

// caAreaCodes are California area codes; each has a fictional 555-0100..0199.
var caAreaCodes = []string{
	"415", "213", "310", "323", "408", "510", "619", "626", "628", "650", "657", "661",
	"707", "714", "747", "760", "805", "818", "831", "858", "909", "916", "925", "949",
	"951", "209", "279", "341", "424", "442", "530", "559", "562", "669", "820", "840",
}

var countries = []country{
	{code: "CN", region: RegionCN, weight: 1, locales: []string{"zh-CN"}, tz: "Asia/Shanghai", offset: 8, currency: "CNY", phone: phoneCN,
		places: []place{{"上海", "上海市"}, {"北京", "北京市"}, {"深圳", "广东省"}, {"广州", "广东省"}, {"杭州", "浙江省"}, {"成都", "四川省"}, {"南京", "江苏省"}, {"苏州", "江苏省"}, {"武汉", "湖北省"}, {"西安", "陕西省"}, {"重庆", "重庆市"}, {"天津", "天津市"}, {"长沙", "湖南省"}, {"青岛", "山东省"}}},
	{code: "DE", region: RegionEU, weight: 30, locales: []string{"de-DE"}, tz: "Europe/Berlin", offset: 1, currency: "EUR", names: &namesDE,
		places: []place{{"Berlin", ""}, {"München", ""}, {"Hamburg", ""}, {"Köln", ""}, {"Frankfurt am Main", ""}, {"Leipzig", ""}}},
	{code: "FR", region: RegionEU, weight: 25, locales: []string{"fr-FR"}, tz: "Europe/Paris", offset: 1, currency: "EUR", names: &namesFR, phone: phoneFR,
		places: []place{{"Paris", ""}, {"Lyon", ""}, {"Marseille", ""}, {"Toulouse", ""}, {"Bordeaux", ""}, {"Lille", ""}}},
	{code: "NL", region: RegionEU, weight: 12, locales: []string{"nl-NL"}, tz: "Europe/Amsterdam", offset: 1, currency: "EUR", names: &namesNL,
		places: []place{{"Amsterdam", ""}, {"Rotterdam", ""}, {"Utrecht", ""}, {"Eindhoven", ""}}},
	{code: "IT", region: RegionEU, weight: 12, locales: []string{"it-IT"}, tz: "Europe/Rome", offset: 1, currency: "EUR", names: &namesIT,
		places: []place{{"Roma", ""}, {"Milano", ""}, {"Torino", ""}, {"Bologna", ""}}},
	{code: "ES", region: RegionEU, weight: 12, locales: []string{"es-ES"}, tz: "Europe/Madrid", offset: 1, currency: "EUR", names: &namesES,
		places: []place{{"Madrid", ""}, {"Barcelona", ""}, {"Valencia", ""}, {"Sevilla", ""}}},
	{code: "AT", region: RegionEU, weight: 4, locales: []string{"de-AT"}, tz: "Europe/Vienna", offset: 1, currency: "EUR", names: &namesDE,
		places: []place{{"Wien", ""}, {"Graz", ""}, {"Salzburg", ""}}},
	{code: "BE", region: RegionEU, weight: 3, locales: []string{"fr-BE", "nl-BE"}, tz: "Europe/Brussels", offset: 1, currency: "EUR", names: &namesFR,
		places: []place{{"Bruxelles", ""}, {"Liège", ""}}},
	{code: "IE", region: RegionEU, weight: 2, locales: []string{"en-IE"}, tz: "Europe/Dublin", offset: 0, currency: "EUR", names: &namesEN,
		places: []place{{"Dublin", ""}, {"Cork", ""}}},
	{code: "US", region: RegionUSCA, weight: 1, locales: []string{"en-US", "en-US", "en-US", "en-US", "es-US", "zh-CN"}, tz: "America/Los_Angeles", offset: -8, currency: "USD", names: &namesUS, phone: phoneNANP,
		places: []place{{"San Francisco", "CA"}, {"Los Angeles", "CA"}, {"San Diego", "CA"}, {"San Jose", "CA"}, {"Sacramento", "CA"}, {"Oakland", "CA"}, {"Fresno", "CA"}, {"Irvine", "CA"}}},
	{code: "GB", region: RegionOther, weight: 40, locales: []string{"en-GB"}, tz: "Europe/London", offset: 0, currency: "USD", names: &namesEN, phone: phoneGB,
		places: []place{{"London", ""}, {"Manchester", ""}, {"Edinburgh", ""}, {"Bristol", ""}}},
	{code: "AU", region: RegionOther, weight: 20, locales: []string{"en-AU"}, tz: "Australia/Sydney", offset: 10, currency: "USD", names: &namesEN,
		places: []place{{"Sydney", ""}, {"Melbourne", ""}, {"Brisbane", ""}}},
	{code: "SG", region: RegionOther, weight: 20, locales: []string{"en-SG", "zh-SG"}, tz: "Asia/Singapore", offset: 8, currency: "USD", names: &namesEN,
		places: []place{{"Singapore", ""}}},
	{code: "CH", region: RegionOther, weight: 10, locales: []string{"de-CH", "fr-CH"}, tz: "Europe/Zurich", offset: 1, currency: "USD", names: &namesDE,
		places: []place{{"Zürich", ""}, {"Genève", ""}, {"Basel", ""}}},
	{code: "NZ", region: RegionOther, weight: 10, locales: []string{"en-NZ"}, tz: "Pacific/Auckland", offset: 12, currency: "USD", names: &namesEN,
		places: []place{{"Auckland", ""}, {"Wellington", ""}}},
}

// userAgents are ordinary browser strings; weChat is added for CN subjects.
var (
	userAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
		"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
	}
	userAgentsCN = []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN",
		"Mozilla/5.0 (Linux; Android 12; NOH-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Mobile Safari/537.36",
	}
	// userAgentGPC is a browser that sends GPC by default.
	userAgentGPC = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

// ipv4Nets are the RFC 5737 documentation networks; IPv6 uses 2001:db8::/32
// (RFC 3849). No other address is ever generated.
var ipv4Nets = []string{"192.0.2.", "198.51.100.", "203.0.113."}
