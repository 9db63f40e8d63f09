package assessment

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
)

// The documents are generated from what Steward knows: the manifest (what is collected,
// for what, on which basis, for how long, shared with whom), the registers (transfers,
// retention) and measured facts (consents given and withdrawn over the last year, people
// transferred this year, the last retention pass). Their text states facts and the
// measures Steward itself applies; the reviewer adds judgement in the review note.

// Category is one kind of data a purpose reads.
type Category struct {
	Key           string `json:"key"`
	Name          string `json:"name"`
	NameZH        string `json:"name_zh"`
	Grade         string `json:"grade"`
	RetentionDays int    `json:"retention_days"`
	OnExpiry      string `json:"on_expiry"`
}

// Recipient is a recipient of a purpose's data.
type Recipient struct {
	Name       string   `json:"name"`
	Countries  []string `json:"countries"`
	Contact    string   `json:"contact,omitempty"`
	Method     string   `json:"method,omitempty"`
	Categories []string `json:"categories"`
	Mechanism  string   `json:"mechanism,omitempty"`
	Kind       string   `json:"mechanism_kind,omitempty"`
	Reference  string   `json:"reference,omitempty"`
	ValidUntil string   `json:"valid_until,omitempty"`
}

// Measured are the facts measured in the running system.
type Measured struct {
	// Grants and withdrawals of the purpose's consent over the last 365 days.
	ConsentGranted   int64 `json:"consent_granted_365d"`
	ConsentWithdrawn int64 `json:"consent_withdrawn_365d"`
	// People whose data went abroad this calendar year for the purpose.
	TransferredGeneral   int64     `json:"transferred_general_this_year"`
	TransferredSensitive int64     `json:"transferred_sensitive_this_year"`
	LastRetentionRun     time.Time `json:"last_retention_run,omitempty"`
}

// Risk is one assessed risk with the measure against it.
type Risk struct {
	Area    string `json:"area"`
	Level   string `json:"level"` // low, medium, high
	Measure string `json:"measure"`
}

// PIPIA is a personal-information protection impact assessment of one purpose (PIPL Art.
// 56: lawfulness, legitimacy and necessity; impact and risks; protective measures).
type PIPIA struct {
	Purpose     string      `json:"purpose"`
	Name        string      `json:"name"`
	NameZH      string      `json:"name_zh"`
	Statement   string      `json:"statement"`
	StatementZH string      `json:"statement_zh"`
	Basis       string      `json:"basis"`
	Triggers    []string    `json:"triggers"`
	Facts       Facts       `json:"facts"`
	Categories  []Category  `json:"categories"`
	Recipients  []Recipient `json:"recipients"`
	Retention   int         `json:"retention_days"`
	Lawfulness  string      `json:"lawfulness"`
	Impact      string      `json:"impact"`
	Risks       []Risk      `json:"risks"`
	Measures    []string    `json:"measures"`
	Measured    Measured    `json:"measured"`
	GeneratedAt time.Time   `json:"generated_at"`
}

// ROPA is the record of processing activities (GDPR Art. 30(1), GB/T 35273 §11.3).
type ROPA struct {
	Controller  manifest.Controller `json:"controller"`
	Subjects    string              `json:"data_subjects"`
	Activities  []Activity          `json:"activities"`
	Measures    []string            `json:"security_measures"`
	GeneratedAt time.Time           `json:"generated_at"`
}

// Activity is one purpose in the record.
type Activity struct {
	Purpose         string      `json:"purpose"`
	Name            string      `json:"name"`
	Basis           string      `json:"basis"`
	Statement       string      `json:"statement"`
	Categories      []Category  `json:"categories"`
	Recipients      []Recipient `json:"recipients"`
	TransfersAbroad []Recipient `json:"transfers_abroad"`
	RetentionDays   int         `json:"retention_days"`
	NeedsPIPIA      []string    `json:"needs_pipia,omitempty"`
}

// securityMeasures are the measures Steward applies to every purpose (PIPL Art. 51).
var securityMeasures = []string{
	"Personal fields sealed with AES-256-GCM under a per-person data key, wrapped by a key-encryption key kept apart from the database; erasure shreds the key (crypto-shredding).",
	"Lookups by e-mail, phone and user id through keyed blind indexes; no identifier stored in clear.",
	"Every read of personal data names a purpose and passes the policy decision point; fields the purpose may not use are withheld; identifiers masked by role.",
	"Minimisation at collection: fields not declared for an allowed purpose are never stored.",
	"A tamper-evident audit log (RFC 6962 Merkle tree, ed25519-signed checkpoints) of every processing act; people see their own acts with inclusion proofs.",
	"Retention enforced daily: data deleted or anonymised once no purpose that could read it may keep it; legal-hold records kept apart.",
	"Cross-border transfers refused without a mechanism in force and the person's separate consent; yearly counts held against the CAC thresholds.",
	"Role-separated operator accounts with scoped, expiring tokens; sign-ins recorded.",
}

func (s *Service) categories(m *manifest.Manifest, r *regime.Regime, keys []string) []Category {
	out := make([]Category, 0, len(keys))
	for _, k := range keys {
		c := Category{Key: k, Name: r.CategoryName(k, "en"), NameZH: r.CategoryName(k, "zh-CN"), OnExpiry: m.ExpiryOf(k)}
		if tc, ok := m.Taxonomy.Category(k); ok {
			c.Grade = string(tc.Grade)
		}
		if s.cfg.Measures != nil {
			c.RetentionDays, c.OnExpiry = s.cfg.Measures.RetentionDays(m, k)
		}
		out = append(out, c)
	}
	return out
}

func recipientsOf(m *manifest.Manifest, purpose string, abroadOnly bool) []Recipient {
	out := []Recipient{}
	for _, rc := range m.Recipients {
		if !rc.Serves(purpose) {
			continue
		}
		abroad := false
		for _, c := range rc.Countries {
			abroad = abroad || m.Abroad(c)
		}
		if abroadOnly && !abroad {
			continue
		}
		v := Recipient{Name: rc.Name, Countries: rc.Countries, Contact: rc.Contact, Method: rc.Method, Categories: rc.Categories, Mechanism: rc.Transfer}
		if v.Categories == nil {
			v.Categories = []string{}
		}
		if t, ok := m.Transfers[rc.Transfer]; ok {
			v.Kind, v.Reference, v.ValidUntil = t.Kind, t.Reference, t.ValidUntil
		}
		out = append(out, v)
	}
	return out
}

func (s *Service) measured(ctx context.Context, purpose string) (Measured, error) {
	var out Measured
	now := s.cfg.Now().UTC()
	counts, err := s.cfg.Store.ConsentCounts(ctx, now.Add(-365*24*time.Hour), now)
	if err != nil {
		return out, err
	}
	for _, c := range counts {
		if c.Purpose == purpose {
			out.ConsentGranted += c.Granted
			out.ConsentWithdrawn += c.Withdrawn
		}
	}
	if s.cfg.Measures != nil {
		if out.TransferredGeneral, out.TransferredSensitive, err = s.cfg.Measures.Transferred(ctx, purpose); err != nil {
			return out, err
		}
		if out.LastRetentionRun, err = s.cfg.Measures.LastRetentionRun(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *Service) pipia(ctx context.Context, m *manifest.Manifest, f Facts) (PIPIA, error) {
	r := regime.New(m, 0, nil)
	p, _ := m.Taxonomy.Purpose(f.Purpose)
	doc := PIPIA{Purpose: f.Purpose, Name: r.PurposeName(f.Purpose, "en"), NameZH: r.PurposeName(f.Purpose, "zh-CN"),
		Statement: r.Statement(f.Purpose, "en"), StatementZH: r.Statement(f.Purpose, "zh-CN"), Basis: string(p.Basis),
		Triggers: f.Triggers(), Facts: f, Categories: s.categories(m, r, CategoriesOf(m, f.Purpose)),
		Recipients: recipientsOf(m, f.Purpose, false), Retention: m.PurposeRetention[f.Purpose], Measures: securityMeasures,
		GeneratedAt: s.cfg.Now().UTC()}
	if doc.Triggers == nil {
		doc.Triggers = []string{}
	}
	var err error
	if doc.Measured, err = s.measured(ctx, f.Purpose); err != nil {
		return doc, err
	}
	switch p.Basis {
	case "consent":
		doc.Lawfulness = "Consent (PIPL Art. 13(1)); asked per purpose, withdrawable as easily as given, recorded in the consent ledger with the notice shown."
	case "contract":
		doc.Lawfulness = "Necessary to conclude or perform a contract the person is party to (PIPL Art. 13(2))."
	case "legal_obligation":
		doc.Lawfulness = "Necessary to fulfil a statutory duty (PIPL Art. 13(3))."
	default:
		doc.Lawfulness = "Basis: " + string(p.Basis) + "."
	}
	if p.SeparateConsent || len(f.Sensitive) > 0 || len(f.Abroad) > 0 {
		doc.Lawfulness += " Separate consent is required (PIPL Arts. 29, 39)."
	}
	doc.Lawfulness += " Only the fields the manifest lists for the purpose are collected and read (PIPL Art. 6)."
	var impact []string
	if len(f.Sensitive) > 0 {
		impact = append(impact, "it processes sensitive personal information ("+strings.Join(f.Sensitive, ", ")+"), whose leak or misuse may harm dignity, person or property (PIPL Art. 28)")
		doc.Risks = append(doc.Risks, Risk{Area: "sensitive data", Level: "high", Measure: "separate consent per category; never used for marketing profiling (refused by the manifest check); sealed under the person's key"})
	}
	if f.AutomatedDecision {
		impact = append(impact, "it makes automated decisions, which must be transparent and fair, with a way to refuse them and to ask for an explanation (PIPL Art. 24)")
		doc.Risks = append(doc.Risks, Risk{Area: "automated decisions", Level: "medium", Measure: "reasons recorded; personalisation can be switched off; no differential pricing from profiles"})
	}
	if len(f.Abroad) > 0 {
		var to []string
		for _, a := range f.Abroad {
			to = append(to, a.Recipient+" ("+strings.Join(a.Countries, ", ")+", "+a.Kind+")")
		}
		impact = append(impact, "its data goes abroad to "+strings.Join(to, "; ")+", beyond the reach of the home regulator (PIPL Arts. 38–40)")
		doc.Risks = append(doc.Risks, Risk{Area: "transfer abroad", Level: "high", Measure: "mechanism checked in force at each transfer; separate consent per person; yearly counts against the CAC thresholds"})
	}
	if len(impact) == 0 {
		doc.Impact = "No Art. 55 trigger: the assessment records the purpose for completeness."
	} else {
		doc.Impact = "The purpose needs this assessment because " + strings.Join(impact, "; and ") + "."
	}
	doc.Risks = append(doc.Risks, Risk{Area: "retention", Level: "low", Measure: "data kept at most the purpose's retention, then deleted or anonymised by the daily retention pass"})
	return doc, nil
}

func (s *Service) ropa(ctx context.Context, m *manifest.Manifest) (ROPA, error) {
	r := regime.New(m, 0, nil)
	doc := ROPA{Controller: m.Controller, Subjects: "customers and visitors of the shop (with age bands; minors handled under PIPL Art. 31)",
		Measures: securityMeasures, GeneratedAt: s.cfg.Now().UTC(), Activities: []Activity{}}
	needs := map[string][]string{}
	for _, n := range Needs(m) {
		needs[n.Purpose] = n.Triggers
	}
	for _, p := range m.Taxonomy.Purposes() {
		cats := CategoriesOf(m, p.Key)
		if len(cats) == 0 && !slices.ContainsFunc(m.Recipients, func(rc manifest.Recipient) bool { return rc.Serves(p.Key) }) {
			continue // declared but used by nothing: not an activity
		}
		doc.Activities = append(doc.Activities, Activity{Purpose: p.Key, Name: r.PurposeName(p.Key, "en"), Basis: string(p.Basis),
			Statement: r.Statement(p.Key, "en"), Categories: s.categories(m, r, cats), Recipients: recipientsOf(m, p.Key, false),
			TransfersAbroad: recipientsOf(m, p.Key, true), RetentionDays: m.PurposeRetention[p.Key], NeedsPIPIA: needs[p.Key]})
	}
	return doc, nil
}
