package taxonomy

import "strings"

// Grade is the PIPL grade of a data category.
type Grade string

// PIPL grades. Sensitive data needs separate consent (PIPL Art. 29) and never feeds
// marketing profiling (SG-01, PT-08).
const (
	Sensitive Grade = "sensitive" // PIPL Art. 28 kinds
	Private   Grade = "private"   // personal information that is not sensitive
	General   Grade = "general"   // not about an identifiable person on its own (product, page)
	Anonymous Grade = "anonymous" // anonymised: no longer personal information (PIPL Art. 73)
)

// Valid reports whether g is one of the four grades.
func (g Grade) Valid() bool {
	switch g {
	case Sensitive, Private, General, Anonymous:
		return true
	}
	return false
}

// Personal reports whether data of this grade is personal information.
func (g Grade) Personal() bool { return g == Sensitive || g == Private }

// Category is one data category.
type Category struct {
	Key   string // fideslang key, e.g. "user.contact.email"
	Name  string // short English name
	Grade Grade
	// Art28 names the PIPL Art. 28 kind that makes the category sensitive ("" if none).
	Art28 string
	// Identifier marks direct identifiers that marketing exports carry only pseudonymised
	// (PT-06).
	Identifier bool
}

// Parent returns the parent key of a dotted key ("" for a root).
func Parent(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return ""
}

// Beneath reports whether key equals ancestor or lies beneath it.
func Beneath(key, ancestor string) bool {
	return key == ancestor || (len(key) > len(ancestor) && key[len(ancestor)] == '.' && key[:len(ancestor)] == ancestor)
}

// publishedCategories are the fideslang categories that matter to e-commerce marketing.
var publishedCategories = []Category{
	{Key: "user", Name: "user data", Grade: Private},
	{Key: "user.account", Name: "account", Grade: Private},
	{Key: "user.account.username", Name: "username", Grade: Private, Identifier: true},
	{Key: "user.contact", Name: "contact details", Grade: Private, Identifier: true},
	{Key: "user.contact.email", Name: "email address", Grade: Private, Identifier: true},
	{Key: "user.contact.phone_number", Name: "phone number", Grade: Private, Identifier: true},
	{Key: "user.contact.address", Name: "postal address", Grade: Private, Identifier: true},
	{Key: "user.contact.address.city", Name: "city", Grade: Private},
	{Key: "user.contact.address.country", Name: "country", Grade: Private},
	{Key: "user.contact.address.postal_code", Name: "postal code", Grade: Private},
	{Key: "user.name", Name: "name", Grade: Private, Identifier: true},
	{Key: "user.unique_id", Name: "unique identifier", Grade: Private},
	{Key: "user.unique_id.pseudonymous", Name: "pseudonymous identifier", Grade: Private},
	{Key: "user.device", Name: "device data", Grade: Private},
	{Key: "user.device.cookie_id", Name: "cookie identifier", Grade: Private},
	{Key: "user.device.device_id", Name: "device identifier", Grade: Private},
	{Key: "user.device.ip_address", Name: "IP address", Grade: Private},
	{Key: "user.behavior", Name: "behaviour", Grade: Private},
	{Key: "user.behavior.browsing_history", Name: "browsing history", Grade: Private},
	{Key: "user.behavior.purchase_history", Name: "purchase history", Grade: Private},
	{Key: "user.behavior.search_history", Name: "search history", Grade: Private},
	{Key: "user.location", Name: "location", Grade: Private},
	{Key: "user.location.imprecise", Name: "imprecise location (city or coarser)", Grade: Private},
	{Key: "user.location.precise", Name: "precise location (whereabouts)", Grade: Sensitive, Art28: "whereabouts"},
	{Key: "user.financial", Name: "financial information", Grade: Sensitive, Art28: "financial account"},
	{Key: "user.financial.bank_account", Name: "bank account", Grade: Sensitive, Art28: "financial account"},
	{Key: "user.payment", Name: "payment instrument", Grade: Sensitive, Art28: "financial account"},
	{Key: "user.health_and_medical", Name: "health and medical", Grade: Sensitive, Art28: "medical and health"},
	{Key: "user.biometric", Name: "biometric", Grade: Sensitive, Art28: "biometric"},
	{Key: "user.religious_belief", Name: "religious belief", Grade: Sensitive, Art28: "religious belief"},
	{Key: "user.government_id", Name: "government identifier", Grade: Sensitive, Art28: "specific identity", Identifier: true},
	{Key: "user.government_id.national_identification_number", Name: "national identification number", Grade: Sensitive, Art28: "specific identity", Identifier: true},
	{Key: "user.childrens", Name: "children's data", Grade: Sensitive, Art28: "minors under 14"},
	{Key: "user.demographic", Name: "demographic", Grade: Private},
	{Key: "user.demographic.age_range", Name: "age range", Grade: Private},
	{Key: "user.demographic.date_of_birth", Name: "date of birth", Grade: Private},
	{Key: "user.demographic.gender", Name: "gender", Grade: Private},
	{Key: "user.privacy_preferences", Name: "privacy preferences", Grade: Private},
	{Key: "system", Name: "system data", Grade: General},
	{Key: "system.operations", Name: "operational data (product, page, library)", Grade: General},
	{Key: "anonymous", Name: "anonymised aggregates", Grade: Anonymous},
}
