package taxonomy

// SubjectKind is a kind of data subject (fideslang data subjects plus the minor kinds the
// PIPL, GDPR Art. 8 and the CCPA treat apart).
type SubjectKind string

// Subject kinds.
const (
	Customer SubjectKind = "customer"
	Prospect SubjectKind = "prospect"
	Visitor  SubjectKind = "visitor"
	Minor    SubjectKind = "minor"    // under 18
	Child    SubjectKind = "child"    // under the consent age: 14 (PIPL), 16 or a member state's age (GDPR Art. 8), 13/16 (CCPA)
	Guardian SubjectKind = "guardian" // gives consent for a child (PIPL Art. 31, SG-03)
)

// SubjectKinds lists every subject kind.
func SubjectKinds() []SubjectKind {
	return []SubjectKind{Customer, Prospect, Visitor, Minor, Child, Guardian}
}
