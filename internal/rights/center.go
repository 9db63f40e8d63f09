package rights

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/stewardhq/steward/internal/policy"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/profile"
)

// What a person sees of their own data (PIPL Arts. 44–45, GDPR Art. 15): the privacy
// center's overview, the inventory of what is held, and the portable export.

// Category is one kind of data held about the person.
type Category struct {
	Key           string   `json:"key"`
	Name          string   `json:"name"`
	Grade         string   `json:"grade"`
	Purposes      []string `json:"purposes"`
	RetentionDays int      `json:"retention_days"`
	Count         int      `json:"count"`
}

// events pages through everything held about the person, as they may see it.
func (s *Service) events(ctx context.Context, subjectID string, visit func(access.Event)) error {
	var after int64
	for {
		evs, pg, err := s.cfg.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSubject, Viewer: access.ViewerSubject,
			Purpose: access.PurposeRightsAccess, SubjectID: subjectID, After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, e := range evs {
			visit(e)
		}
		after = pg.Last
		if !pg.More {
			return nil
		}
	}
}

// Inventory lists the categories of data held about the subject, with purposes and
// retention, counted over their stored events.
func (s *Service) Inventory(ctx context.Context, subjectID, lang string) ([]Category, error) {
	r := s.cfg.Regime()
	m := r.Manifest()
	counts := map[string]int{}
	err := s.events(ctx, subjectID, func(e access.Event) {
		et := r.EventType(e.Type, e.Name)
		b, err := json.Marshal(e.Fields)
		if err != nil {
			return
		}
		// The same walk the gate and the reader make: every member path, leaves and objects.
		jsonscan.Filter(b, func(path string, _ []byte) jsonscan.Verdict { //nolint:errcheck // valid JSON we just wrote
			if f, ok := m.FieldFor(et, path); ok {
				counts[f.Category]++
			}
			return jsonscan.Verdict{}
		})
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Category, 0, len(keys))
	for _, k := range keys {
		var ps []string
		retention := 0
		for p := range r.PurposesOf(k) {
			if _, ok := r.Purpose(p); ok {
				ps = append(ps, r.PurposeName(p, lang))
				retention = max(retention, r.Retention(p))
			}
		}
		if v, ok := m.CategoryRetention[k]; ok {
			retention = v
		}
		sort.Strings(ps)
		grade := ""
		if c, ok := m.Taxonomy.Category(k); ok {
			grade = string(c.Grade)
		}
		out = append(out, Category{Key: k, Name: r.CategoryName(k, lang), Grade: grade, Purposes: ps, RetentionDays: retention, Count: counts[k]})
	}
	return out, nil
}

// PurposeChoice is one purpose as the person sees it, with their choice.
type PurposeChoice struct {
	Key            string `json:"key"`
	Name           string `json:"name"`
	Statement      string `json:"statement"`
	Basis          string `json:"basis"`
	NeedsConsent   bool   `json:"needs_consent"`
	Granted        bool   `json:"granted"`
	NeedsReconsent bool   `json:"needs_reconsent"`
	// Separate: the purpose is granted only on its own, per recipient (PIPL Arts. 23, 39).
	Separate   bool              `json:"separate"`
	Recipients []RecipientChoice `json:"recipients,omitempty"`
}

// RecipientChoice is a recipient of a separate-consent purpose, with the person's choice.
type RecipientChoice struct {
	consent.RecipientView
	Granted bool `json:"granted"`
}

// Overview is the privacy center's document: who the person is (an id only), then its
// sections in page order.
type Overview struct {
	Subject  SubjectRef `json:"subject"`
	Sections []Section  `json:"sections"`
}

// SubjectRef names the person.
type SubjectRef struct {
	ID string `json:"id"`
}

// Section is one section of the privacy center. Which fields it carries depends on its ID:
// personalisation (on), consent (purposes), data (categories), tags (href), requests
// (requests), report (none).
type Section struct {
	ID         string
	On         bool
	Purposes   []PurposeChoice
	Categories []Category
	Href       string
	Requests   []RequestView
}

// MarshalJSON writes exactly the fields of the section's kind.
func (s Section) MarshalJSON() ([]byte, error) {
	switch s.ID {
	case "personalisation":
		return json.Marshal(struct {
			ID string `json:"id"`
			On bool   `json:"on"`
		}{s.ID, s.On})
	case "consent":
		return json.Marshal(struct {
			ID       string          `json:"id"`
			Purposes []PurposeChoice `json:"purposes"`
		}{s.ID, nonNil(s.Purposes)})
	case "data":
		return json.Marshal(struct {
			ID         string     `json:"id"`
			Categories []Category `json:"categories"`
		}{s.ID, nonNil(s.Categories)})
	case "tags":
		return json.Marshal(struct {
			ID   string `json:"id"`
			Href string `json:"href"`
		}{s.ID, s.Href})
	case "requests":
		return json.Marshal(struct {
			ID       string        `json:"id"`
			Requests []RequestView `json:"requests"`
		}{s.ID, nonNil(s.Requests)})
	}
	return json.Marshal(struct {
		ID string `json:"id"`
	}{s.ID})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Overview assembles the privacy center's document.
func (s *Service) Overview(ctx context.Context, subjectID, lang string) (Overview, error) {
	st, err := s.cfg.Ledger.State(ctx, subjectID)
	if err != nil {
		return Overview{}, err
	}
	st, stale := s.cfg.Ledger.Effective(st)
	r := s.cfg.Regime()
	var purposes []PurposeChoice
	m := r.Manifest()
	for _, p := range m.Taxonomy.Purposes() {
		pc := PurposeChoice{Key: p.Key, Name: r.PurposeName(p.Key, lang), Statement: r.Statement(p.Key, lang),
			Basis: string(p.Basis), NeedsConsent: p.NeedsConsent(), Granted: st.Granted(p.Key), NeedsReconsent: stale[p.Key], Separate: p.SeparateConsent}
		if p.SeparateConsent {
			for _, rc := range m.Recipients {
				if !rc.Serves(p.Key) {
					continue
				}
				v := consent.RecipientView{Name: rc.Name, Contact: rc.Contact, Method: rc.Method, Countries: rc.Countries, Categories: []string{}}
				for _, c := range rc.Categories {
					v.Categories = append(v.Categories, r.CategoryName(c, lang))
				}
				granted := st.Granted(p.Key)
				if p.Key == "third_party_sharing" || p.SaleShare {
					granted = granted && st.Granted(policy.RecipientConsent(rc.Name))
				}
				pc.Recipients = append(pc.Recipients, RecipientChoice{RecipientView: v, Granted: granted})
			}
		}
		purposes = append(purposes, pc)
	}
	cats, err := s.Inventory(ctx, subjectID, lang)
	if err != nil {
		return Overview{}, err
	}
	reqs, err := s.List(ctx, subjectID)
	if err != nil {
		return Overview{}, err
	}
	sections := []Section{
		{ID: "personalisation", On: !st.Granted(consent.SignalPersonalisationOff)},
		{ID: "consent", Purposes: purposes},
	}
	if len(m.Tiers) > 0 {
		// The privacy tiers (issue 25): the page fetches GET /api/v1/me/tier itself.
		sections = append(sections, Section{ID: "tier", Href: "/api/v1/me/tier"})
	}
	sections = append(sections,
		Section{ID: "data", Categories: cats},
	)
	if s.cfg.Profiles != nil {
		// The page fetches GET /api/v1/me/tags itself, so deleting one redraws only that list.
		sections = append(sections, Section{ID: "tags", Href: "/api/v1/me/tags"})
	}
	sections = append(sections, Section{ID: "requests", Requests: reqs}, Section{ID: "report"})
	return Overview{Subject: SubjectRef{ID: subjectID}, Sections: sections}, nil
}

// ExportTag is a tag in the export.
type ExportTag struct {
	Name        string             `json:"name"`
	Label       string             `json:"label"`
	Explanation string             `json:"explanation"`
	Purpose     string             `json:"purpose"`
	AssignedAt  time.Time          `json:"assigned_at"`
	ExpiresAt   time.Time          `json:"expires_at"`
	Evidence    []profile.Evidence `json:"evidence"`
}

// Portable is the portable copy (RR-02), following the published schema
// /api/v1/schemas/export.json.
type Portable struct {
	Schema     string            `json:"$schema"`
	ExportedAt string            `json:"exported_at"`
	Subject    SubjectRef        `json:"subject"`
	Data       []Category        `json:"data"`
	Events     []access.Event    `json:"events"`
	Consents   []consent.Receipt `json:"consents"`
	Tags       []ExportTag       `json:"tags"`
}

// ExportFor is the person's portable copy: every event held (decrypted, for the person
// themselves), the consent history as ISO/IEC TS 27560 records, the inventory and the tags
// used on them. It is recorded as an export.
func (s *Service) ExportFor(ctx context.Context, subjectID, lang string) (Portable, error) {
	var events []access.Event
	if err := s.events(ctx, subjectID, func(e access.Event) { events = append(events, e) }); err != nil {
		return Portable{}, err
	}
	hist, err := s.cfg.Ledger.History(ctx, subjectID)
	if err != nil {
		return Portable{}, err
	}
	receipts := consent.ReceiptsOf(hist, s.cfg.Regime().Manifest(), lang, "/privacy/")
	inv, err := s.Inventory(ctx, subjectID, lang)
	if err != nil {
		return Portable{}, err
	}
	if err := s.recordExport(ctx, subjectID, len(events)); err != nil {
		return Portable{}, err
	}
	tags := []ExportTag{}
	if s.cfg.Profiles != nil && s.cfg.Profiles.Ready() {
		for _, as := range s.cfg.Profiles.TagsOf(subjectID, lang, false) {
			tags = append(tags, ExportTag{Name: as.Tag.Name, Label: profile.Localized(as.Tag.Label, lang, as.Tag.Name),
				Explanation: profile.Localized(as.Tag.Explain, lang, ""), Purpose: as.Tag.Purpose, AssignedAt: as.AssignedAt,
				ExpiresAt: as.ExpiresAt, Evidence: as.Evidence})
		}
	}
	return Portable{Schema: "/api/v1/schemas/export.json", ExportedAt: time.Now().UTC().Format(time.RFC3339), Subject: SubjectRef{ID: subjectID},
		Data: inv, Events: events, Consents: receipts, Tags: tags}, nil
}

// JSONSchema describes a section for the OpenAPI document (its JSON is not its Go shape).
func (Section) JSONSchema() map[string]any {
	arr := map[string]any{"type": "array", "items": map[string]any{"type": "object"}}
	return map[string]any{"type": "object", "required": []string{"id"}, "properties": map[string]any{
		"id":         map[string]any{"type": "string", "enum": []string{"personalisation", "consent", "data", "tags", "requests", "report"}},
		"on":         map[string]any{"type": "boolean"},
		"purposes":   arr,
		"categories": arr,
		"href":       map[string]any{"type": "string"},
		"requests":   arr,
	}}
}
