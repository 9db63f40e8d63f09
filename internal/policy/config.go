package policy

// Config holds the jurisdiction tables the rules need.
type Config struct {
	// Home is the deployment's country, used when a subject's country is unknown.
	Home string
	// PIPLChildAge: under it, PIPL Art. 31 requires guardian consent (14).
	PIPLChildAge int
	// GDPRDefaultAge is the GDPR Art. 8 age of digital consent (16); GDPRAges holds member
	// states that lowered it (no lower than 13).
	GDPRDefaultAge int
	GDPRAges       map[string]int
	// CCPAChildAge: under it a parent opts in to sale/sharing (13); CCPAMinorAge: under it
	// the minor must opt in themselves (16) (CCPA 1798.120(c)).
	CCPAChildAge, CCPAMinorAge int
	// OtherChildAge applies elsewhere (13, as COPPA).
	OtherChildAge int
	// AdultAge: below it a subject is a minor and never gets personalised ads (18).
	AdultAge int
}

// DefaultConfig returns the statutory defaults.
func DefaultConfig() Config {
	return Config{
		Home: "CN", PIPLChildAge: 14, GDPRDefaultAge: 16,
		// Member states that set a lower Art. 8 age (national implementing acts).
		GDPRAges: map[string]int{
			"AT": 14, "BE": 13, "BG": 14, "CY": 14, "CZ": 15, "DK": 13, "EE": 13, "ES": 14, "FI": 13,
			"FR": 15, "GR": 15, "IT": 14, "LT": 14, "LV": 13, "MT": 13, "PT": 13, "SE": 13, "SI": 15,
			"GB": 13, "IS": 13, "NO": 13,
		},
		CCPAChildAge: 13, CCPAMinorAge: 16, OtherChildAge: 13, AdultAge: 18,
	}
}

// jurisdiction is the privacy regime a subject falls under.
type jurisdiction uint8

const (
	jurOther jurisdiction = iota
	jurCN
	jurEU // EEA
	jurGB
	jurUS
)

var eea = map[string]bool{"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true,
	"FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	"IS": true, "LI": true, "NO": true}

func jurisdictionOf(country string) jurisdiction {
	switch {
	case country == "CN":
		return jurCN
	case country == "GB":
		return jurGB
	case country == "US":
		return jurUS
	case eea[country]:
		return jurEU
	}
	return jurOther
}

// jurisdictionName maps the names manifests use in legitimate_interest_in.
func jurisdictionName(s string) (jurisdiction, bool) {
	switch s {
	case "CN":
		return jurCN, true
	case "EU", "EEA":
		return jurEU, true
	case "GB", "UK":
		return jurGB, true
	case "US":
		return jurUS, true
	}
	return 0, false
}
