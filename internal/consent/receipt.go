package consent

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// Controller names the organisation responsible (ISO/IEC TS 27560 "pii_controllers").
type Controller struct {
	ID, Name, Address, Contact string
	// PIPO is the personal-information protection officer (PIPL Art. 52); DPO the data
	// protection officer (GDPR Art. 37).
	PIPO, DPO string
}

// Receipt is one ledger record as an ISO/IEC TS 27560:2023 consent record, with the field
// names of the W3C DPV guide.
type Receipt struct {
	SchemaVersion  string         `json:"schema_version"`
	RecordID       string         `json:"record_id"`
	PIIPrincipalID string         `json:"pii_principal_id"`
	Processing     Processing     `json:"processing"`
	Event          []ReceiptEvent `json:"event"`
}

// Processing is the receipt's processing section, every mandatory field present.
type Processing struct {
	PrivacyNotice         NoticeRef        `json:"privacy_notice"`
	Language              string           `json:"language"`
	Purposes              []ReceiptPurpose `json:"purposes"`
	LawfulBasis           string           `json:"lawful_basis"`
	CollectionMethod      string           `json:"collection_method"`
	PIIInformation        []PIIType        `json:"pii_information"`
	PIIControllers        []Party          `json:"pii_controllers"`
	StorageLocations      []string         `json:"storage_locations"`
	RetentionPeriod       string           `json:"retention_period"`
	Jurisdiction          string           `json:"jurisdiction"`
	RecipientThirdParties []Party          `json:"recipient_third_parties"`
	WithdrawalMethod      string           `json:"withdrawal_method"`
}

// NoticeRef names the notice a choice was made under.
type NoticeRef struct {
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

// ReceiptPurpose is one purpose of a receipt.
type ReceiptPurpose struct {
	Purpose     string `json:"purpose"`
	Description string `json:"description"`
}

// PIIType is one category of personal data the purpose reads.
type PIIType struct {
	PIIType              string `json:"pii_type"`
	SensitivePIICategory bool   `json:"sensitive_pii_category,omitempty"`
}

// Party is a controller or a recipient.
type Party struct {
	PartyID      string `json:"party_id,omitempty"`
	PartyName    string `json:"party_name"`
	PartyAddress any    `json:"party_address"`
	PartyContact string `json:"party_contact,omitempty"`
	PartyType    string `json:"party_type"`
}

// ReceiptEvent is the receipt's event.
type ReceiptEvent struct {
	EventTime        string `json:"event_time"`
	ValidityDuration string `json:"validity_duration"`
	EntityID         string `json:"entity_id"`
	EventType        string `json:"event_type"`
	EventState       string `json:"event_state"`
}

// ReceiptOf renders one ledger record as an ISO/IEC TS 27560:2023 consent record: the
// header, the processing section with every mandatory field, the PII categories the purpose
// reads in the manifest, the controller, and the event. withdrawalURL is where the person
// can withdraw (the privacy center).
func ReceiptOf(r store.ConsentRecord, m *manifest.Manifest, c Controller, lang, withdrawalURL string) Receipt {
	kind := KindWithdrawn
	if r.Granted {
		kind = KindGiven
	}
	return receipt(r, kind, m, c, lang, withdrawalURL)
}

// The kinds of consent event a record is (ISO/IEC TS 27560 event_state).
const (
	KindGiven     = "given"
	KindRefused   = "refused"   // not granted, and never granted before: a first "no"
	KindWithdrawn = "withdrawn" // not granted after having been granted
)

// Kinds says what each record of a history (in ledger order) was: a grant, a first refusal,
// or a withdrawal of an earlier grant.
func Kinds(history []store.ConsentRecord) map[string]string {
	out := make(map[string]string, len(history))
	ever := map[string]bool{}
	for _, r := range history {
		switch {
		case r.Granted:
			out[r.ID] = KindGiven
			ever[r.Purpose] = true
		case ever[r.Purpose]:
			out[r.ID] = KindWithdrawn
		default:
			out[r.ID] = KindRefused
		}
	}
	return out
}

// ControllerOf is the controller a manifest declares (its name, address, contact), falling
// back to the manifest's name.
func ControllerOf(m *manifest.Manifest) Controller {
	c := m.Controller
	out := Controller{ID: "controller", Name: c.Name, Address: c.Address, Contact: c.Contact, PIPO: c.PIPO, DPO: c.DPO}
	if out.Name == "" {
		out.Name = m.Name
	}
	if out.Address == "" {
		out.Address = m.Home
	}
	return out
}

// ReceiptsOf renders a person's whole history as receipts: each record's kind (given,
// refused, withdrawn), the controller the manifest declares, and the language the notice was
// shown in (the record's evidence, else lang).
func ReceiptsOf(history []store.ConsentRecord, m *manifest.Manifest, lang, withdrawalURL string) []Receipt {
	kinds := Kinds(history)
	c := ControllerOf(m)
	out := make([]Receipt, 0, len(history))
	for _, r := range history {
		l := lang
		var ev struct {
			Lang string `json:"lang"`
		}
		if json.Unmarshal(r.Evidence, &ev) == nil && ev.Lang != "" {
			l = ev.Lang
		}
		out = append(out, receipt(r, kinds[r.ID], m, c, l, withdrawalURL))
	}
	return out
}

func receipt(r store.ConsentRecord, kind string, m *manifest.Manifest, c Controller, lang, withdrawalURL string) Receipt {
	statement, basis, retention := "", "", 0
	if p, ok := m.Taxonomy.Purpose(r.Purpose); ok {
		statement, basis = p.StatementEN, string(p.Basis)
		if lang == "zh-CN" {
			statement = p.StatementZH
		}
		retention = p.MaxRetentionDays
	}
	if d, ok := m.PurposeRetention[r.Purpose]; ok {
		retention = d
	}
	var pii []PIIType
	seen := map[string]bool{}
	for _, et := range m.EventTypes() {
		for _, f := range m.Events[et].Fields {
			for _, p := range f.Purposes {
				if p == r.Purpose && !seen[f.Category] {
					seen[f.Category] = true
					entry := PIIType{PIIType: f.Category}
					if cat, ok := m.Taxonomy.Category(f.Category); ok && cat.Grade == "sensitive" {
						entry.SensitivePIICategory = true
					}
					pii = append(pii, entry)
				}
			}
		}
	}
	var recipients []Party
	for _, rc := range m.Recipients {
		if rc.Serves(r.Purpose) {
			recipients = append(recipients, Party{PartyName: rc.Name, PartyType: "third_party", PartyAddress: rc.Countries})
		}
	}
	state, eventType := kind, map[string]string{KindGiven: "given", KindRefused: "refusal", KindWithdrawn: "withdrawal"}[kind]
	validity := "P" + strconv.Itoa(max(retention, 0)) + "D"
	return Receipt{
		SchemaVersion:  "ISO/IEC TS 27560:2023",
		RecordID:       r.ID,
		PIIPrincipalID: r.SubjectID,
		Processing: Processing{
			PrivacyNotice:         NoticeRef{Version: r.NoticeVersion, Hash: r.NoticeHash},
			Language:              lang,
			Purposes:              []ReceiptPurpose{{Purpose: r.Purpose, Description: statement}},
			LawfulBasis:           basis,
			CollectionMethod:      r.Method,
			PIIInformation:        pii,
			PIIControllers:        controllers(c),
			StorageLocations:      []string{m.Home},
			RetentionPeriod:       validity,
			Jurisdiction:          r.Jurisdiction,
			RecipientThirdParties: recipients,
			WithdrawalMethod:      withdrawalURL,
		},
		Event: []ReceiptEvent{{
			EventTime:        r.At.UTC().Format(time.RFC3339Nano),
			ValidityDuration: validity,
			EntityID:         r.Actor,
			EventType:        eventType,
			EventState:       state,
		}},
	}
}

// controllers lists the controller and, where declared, its protection officers.
func controllers(c Controller) []Party {
	out := []Party{{PartyID: c.ID, PartyName: c.Name, PartyAddress: c.Address, PartyContact: c.Contact, PartyType: "controller"}}
	if c.PIPO != "" {
		out = append(out, Party{PartyID: c.ID + "-pipo", PartyName: c.PIPO, PartyAddress: c.Address, PartyType: "personal_information_protection_officer"})
	}
	if c.DPO != "" {
		out = append(out, Party{PartyID: c.ID + "-dpo", PartyName: c.DPO, PartyAddress: c.Address, PartyType: "data_protection_officer"})
	}
	return out
}
