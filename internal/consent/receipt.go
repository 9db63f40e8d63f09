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

// Receipt renders one ledger record as an ISO/IEC TS 27560:2023 consent record, with the
// field names of the W3C DPV guide: the header, the processing section with every
// mandatory field, the PII categories the purpose reads in the manifest, the controller,
// and the event. withdrawalURL is where the person can withdraw (the privacy center).
func Receipt(r store.ConsentRecord, m *manifest.Manifest, c Controller, lang, withdrawalURL string) map[string]any {
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
	var pii []map[string]any
	seen := map[string]bool{}
	for _, et := range m.EventTypes() {
		for _, f := range m.Events[et].Fields {
			for _, p := range f.Purposes {
				if p == r.Purpose && !seen[f.Category] {
					seen[f.Category] = true
					entry := map[string]any{"pii_type": f.Category}
					if cat, ok := m.Taxonomy.Category(f.Category); ok && cat.Grade == "sensitive" {
						entry["sensitive_pii_category"] = true
					}
					pii = append(pii, entry)
				}
			}
		}
	}
	var recipients []map[string]any
	for _, rc := range m.Recipients {
		if rc.Serves(r.Purpose) {
			recipients = append(recipients, map[string]any{"party_name": rc.Name, "party_type": "third_party", "party_address": rc.Countries})
		}
	}
	state := "withdrawn"
	eventType := "withdrawal"
	if r.Granted {
		state, eventType = "given", "given"
	}
	validity := "P" + strconv.Itoa(max(retention, 0)) + "D"
	return map[string]any{
		"schema_version":   "ISO/IEC TS 27560:2023",
		"record_id":        r.ID,
		"pii_principal_id": r.SubjectID,
		"processing": map[string]any{
			"privacy_notice":          map[string]any{"version": r.NoticeVersion, "hash": r.NoticeHash},
			"language":                lang,
			"purposes":                []map[string]any{{"purpose": r.Purpose, "description": statement}},
			"lawful_basis":            basis,
			"collection_method":       r.Method,
			"pii_information":         pii,
			"pii_controllers":         []map[string]any{{"party_id": c.ID, "party_name": c.Name, "party_address": c.Address, "party_contact": c.Contact, "party_type": "controller"}},
			"storage_locations":       []string{m.Home},
			"retention_period":        validity,
			"jurisdiction":            r.Jurisdiction,
			"recipient_third_parties": recipients,
			"withdrawal_method":       withdrawalURL,
		},
		"event": []map[string]any{{
			"event_time":        r.At.UTC().Format(time.RFC3339Nano),
			"validity_duration": validity,
			"entity_id":         r.Actor,
			"event_type":        eventType,
			"event_state":       state,
		}},
	}
}
