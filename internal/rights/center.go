package rights

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/policy"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/retention"
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
	// OnExpiry says what happens then: delete or anonymise.
	OnExpiry string `json:"on_expiry,omitempty"`
	Count    int    `json:"count"`
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
	cats, _, err := s.inventory(ctx, subjectID, lang)
	return cats, err
}

// Held is the person's actual data as the privacy center shows it (issue 18 item 5): their
// account details as they stand, and what they did, by kind, with the latest few events.
// It is the export's content, labelled in the page's language and counted in round numbers.
type Held struct {
	Profile  []HeldValue `json:"profile"`
	Activity []HeldKind  `json:"activity"`
}

// HeldValue is one value held, labelled.
type HeldValue struct {
	Path     string    `json:"path"`
	Label    string    `json:"label"`
	Value    string    `json:"value"`
	Category string    `json:"category"`
	At       time.Time `json:"at"`
}

// HeldKind is one kind of event held.
type HeldKind struct {
	Kind   string      `json:"kind"`
	Label  string      `json:"label"`
	Count  int         `json:"count"`
	Approx string      `json:"approx"`
	First  time.Time   `json:"first"`
	Last   time.Time   `json:"last"`
	Recent []HeldEvent `json:"recent"`
}

// HeldEvent is one event with its values.
type HeldEvent struct {
	At     time.Time   `json:"at"`
	Values []HeldValue `json:"values"`
}

// recentPerKind is how many of the latest events of each kind the center shows.
const recentPerKind = 3

// inventory walks everything held about the person once: the categories (with purposes and
// retention) and the held values.
func (s *Service) inventory(ctx context.Context, subjectID, lang string) ([]Category, Held, error) {
	r := s.cfg.Regime()
	m := r.Manifest()
	counts := map[string]int{}
	profile := map[string]HeldValue{}
	kinds := map[string]*HeldKind{}
	err := s.events(ctx, subjectID, func(e access.Event) {
		et := r.EventType(e.Type, e.Name)
		b, err := json.Marshal(e.Fields)
		if err != nil {
			return
		}
		var values []HeldValue
		// The same walk the gate and the reader make: every member path, leaves and objects.
		jsonscan.Filter(b, func(path string, raw []byte) jsonscan.Verdict { //nolint:errcheck // valid JSON we just wrote
			f, ok := m.FieldFor(et, path)
			if !ok {
				return jsonscan.Verdict{}
			}
			counts[f.Category]++
			if v, ok := shown(f.Category, raw, lang); ok {
				label, labelled := m.FieldLabel(path, lang)
				if !labelled {
					label = r.CategoryName(f.Category, lang)
				}
				values = append(values, HeldValue{Path: path, Label: label, Value: v, Category: r.CategoryName(f.Category, lang), At: e.OccurredAt})
			}
			return jsonscan.Verdict{}
		})
		if e.Type == "identify" {
			for _, v := range values {
				if cur, ok := profile[v.Path]; !ok || !v.At.Before(cur.At) {
					profile[v.Path] = v
				}
			}
			return
		}
		if e.Type == "track" && e.Name == "Segment Consent Preference Updated" {
			return // shown as choices, in the consent section
		}
		k := kinds[et]
		if k == nil {
			k = &HeldKind{Kind: et, Label: m.EventLabel(et, lang), First: e.OccurredAt}
			kinds[et] = k
		}
		k.Count++
		if e.OccurredAt.Before(k.First) {
			k.First = e.OccurredAt
		}
		if e.OccurredAt.After(k.Last) {
			k.Last = e.OccurredAt
		}
		var own []HeldValue
		for _, v := range values {
			if _, common := m.Common[v.Path]; !common || strings.HasPrefix(v.Path, "context.page.") {
				own = append(own, v)
			}
		}
		k.Recent = append(k.Recent, HeldEvent{At: e.OccurredAt, Values: nonNil(own)})
		sort.SliceStable(k.Recent, func(i, j int) bool { return k.Recent[i].At.After(k.Recent[j].At) })
		if len(k.Recent) > recentPerKind {
			k.Recent = k.Recent[:recentPerKind]
		}
	})
	if err != nil {
		return nil, Held{}, err
	}
	held := Held{Profile: []HeldValue{}, Activity: []HeldKind{}}
	for _, v := range profile {
		held.Profile = append(held.Profile, v)
	}
	sort.Slice(held.Profile, func(i, j int) bool { return held.Profile[i].Path < held.Profile[j].Path })
	for _, k := range kinds {
		k.Approx = Approx(k.Count, lang)
		held.Activity = append(held.Activity, *k)
	}
	sort.Slice(held.Activity, func(i, j int) bool { return held.Activity[i].Last.After(held.Activity[j].Last) })

	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Category, 0, len(keys))
	plan := retention.PlanFor(m)
	for _, k := range keys {
		var ps []string
		for p := range r.PurposesOf(k) {
			if _, ok := r.Purpose(p); ok {
				ps = append(ps, r.PurposeName(p, lang))
			}
		}
		// The retention the daily pass enforces (issue 26): the longest any of this kind of
		// data is kept, and what happens then.
		days, expiry, _ := plan.CategoryDays(k)
		sort.Strings(ps)
		grade := ""
		if c, ok := m.Taxonomy.Category(k); ok {
			grade = string(c.Grade)
		}
		out = append(out, Category{Key: k, Name: r.CategoryName(k, lang), Grade: grade, Purposes: ps, RetentionDays: days, OnExpiry: expiry, Count: counts[k]})
	}
	return out, held, nil
}

// shown renders a held value for people, or false for what is not theirs to read as a
// value (system data, the consent record itself, nested objects).
func shown(category string, raw []byte, lang string) (string, bool) {
	if strings.HasPrefix(category, "system.") || category == "user.privacy_preferences" {
		return "", false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		if r := []rune(x); len(r) > 120 {
			return string(r[:120]) + "…", true
		}
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		if x {
			return say(lang, "yes", "是"), true
		}
		return say(lang, "no", "否"), true
	case []any:
		return say(lang, "%d items", "%d项", len(x)), true
	}
	return "", false
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

// Overview is the privacy center's document: who the person is, then its sections in page
// order.
type Overview struct {
	Subject  Person    `json:"subject"`
	Sections []Section `json:"sections"`
}

// Person names the person the privacy center is about: their id, and their name as their
// account data holds it (read through the purpose-scoped reader, as their own access).
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// SubjectRef names the person.
type SubjectRef struct {
	ID string `json:"id"`
}

// Section is one section of the privacy center. Which fields it carries depends on its ID:
// personalisation (on), consent (purposes), data (categories, profile, activity), tags
// (href), requests (requests), report and flows (href).
type Section struct {
	ID         string
	On         bool
	Purposes   []PurposeChoice
	Categories []Category
	Held       Held
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
			ID         string      `json:"id"`
			Categories []Category  `json:"categories"`
			Profile    []HeldValue `json:"profile"`
			Activity   []HeldKind  `json:"activity"`
		}{s.ID, nonNil(s.Categories), nonNil(s.Held.Profile), nonNil(s.Held.Activity)})
	case "tags", "report", "flows":
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
	cats, held, err := s.inventory(ctx, subjectID, lang)
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
	sections = append(sections, Section{ID: "data", Categories: cats, Held: held})
	if s.cfg.Profiles != nil {
		// The page fetches GET /api/v1/me/tags itself, so deleting one redraws only that list.
		sections = append(sections, Section{ID: "tags", Href: "/api/v1/me/tags"})
	}
	sections = append(sections, Section{ID: "requests", Requests: reqs})
	if s.cfg.Reports != nil {
		// The report and the data-flow view are fetched on their own: they read the log.
		sections = append(sections, Section{ID: "report", Href: "/api/v1/me/activity"}, Section{ID: "flows", Href: "/api/v1/me/flows"})
	} else {
		sections = append(sections, Section{ID: "report"})
	}
	name := ""
	for _, v := range held.Profile {
		if v.Path == "traits.name" {
			name = v.Value
		}
	}
	return Overview{Subject: Person{ID: subjectID, Name: name}, Sections: sections}, nil
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
		"id":         map[string]any{"type": "string", "enum": []string{"personalisation", "consent", "data", "tags", "requests", "report", "flows"}},
		"on":         map[string]any{"type": "boolean"},
		"purposes":   arr,
		"categories": arr,
		"profile":    arr,
		"activity":   arr,
		"href":       map[string]any{"type": "string"},
		"requests":   arr,
	}}
}
