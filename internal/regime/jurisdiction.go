package regime

import "strings"

// Jurisdictions Steward computes deadlines and records consent for.
const (
	JurisdictionCN   = "CN"
	JurisdictionEU   = "EU"
	JurisdictionUSCA = "US-CA"
)

// eea are the EU member states and the EEA countries, where the GDPR applies.
var eea = map[string]bool{"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true,
	"FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	"IS": true, "LI": true, "NO": true}

// countryNames maps the names clients send instead of codes to ISO 3166-1 alpha-2.
var countryNames = map[string]string{"CHINA": "CN", "中国": "CN", "GERMANY": "DE", "DEUTSCHLAND": "DE", "FRANCE": "FR",
	"UNITED STATES": "US", "USA": "US", "美国": "US", "德国": "DE", "法国": "FR", "SPAIN": "ES", "ITALY": "IT", "NETHERLANDS": "NL"}

// JurisdictionOf names the regime a person's country and region put them under: the EEA →
// EU (GDPR), California → US-CA (CCPA/CPRA), mainland China → CN (PIPL); "" when the place
// says nothing Steward knows (the caller falls back to the next source, then home).
func JurisdictionOf(country, region string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if n, ok := countryNames[c]; ok {
		c = n
	}
	r := strings.ToUpper(strings.TrimSpace(region))
	switch {
	case c == "CN":
		return JurisdictionCN
	case eea[c]:
		return JurisdictionEU
	case c == "US" && (r == "CA" || r == "CALIFORNIA"):
		return JurisdictionUSCA
	}
	return ""
}

// Jurisdiction is the first jurisdiction the places given name, in order, else home's.
func (r *Regime) Jurisdiction(places ...[2]string) string {
	for _, p := range places {
		if j := JurisdictionOf(p[0], p[1]); j != "" {
			return j
		}
	}
	if j := JurisdictionOf(r.m.Home, ""); j != "" {
		return j
	}
	return r.m.Home
}
