package consent

import (
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// Controller names the organisation responsible (ISO/IEC TS 27560 "pii_controllers").
type Controller struct {
	ID, Name, Address, Contact string
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
	state := "withdrawn"
	eventType := "withdrawal"
	if r.Granted {
		state, eventType = "given", "given"
	}
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
			PIIControllers:        []Party{{PartyID: c.ID, PartyName: c.Name, PartyAddress: c.Address, PartyContact: c.Contact, PartyType: "controller"}},
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
