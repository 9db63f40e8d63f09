package app

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/taxonomy"
	"github.com/stewardhq/steward/internal/vault"
)

// purposeRightsAccess is the purpose of a person reading their own data (PIPL Art. 45,
// GDPR Art. 15): it needs no consent and sees everything held about them.
const purposeRightsAccess = "rights.access"

func (a *App) categoryName(key, lang string) string {
	if lang == "zh-CN" {
		for k := key; k != ""; k = taxonomy.Parent(k) {
			if n, ok := categoryZH[k]; ok {
				return n
			}
		}
		return key
	}
	if c, ok := a.Manifest().Taxonomy.Category(key); ok && c.Name != "" {
		return c.Name
	}
	return key
}

func (a *App) purposeName(p taxonomy.Purpose, lang string) string {
	if lang == "zh-CN" {
		if n, ok := purposeZH[p.Key]; ok {
			return n
		}
		return p.Key
	}
	if n, ok := purposeEN[p.Key]; ok {
		return n
	}
	return strings.ReplaceAll(p.Key, "_", " ")
}

func statement(p taxonomy.Purpose, lang string) string {
	if lang == "zh-CN" {
		return p.StatementZH
	}
	return p.StatementEN
}

// me assembles the privacy center's document (the shape is documented in package web).
func (a *App) me(ctx context.Context, subjectID, lang string) (any, error) {
	st, err := a.Consent.State(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	st, stale := a.Effective(st)
	var purposes []map[string]any
	for _, p := range a.Manifest().Taxonomy.Purposes() {
		purposes = append(purposes, map[string]any{"key": p.Key, "name": a.purposeName(p, lang), "statement": statement(p, lang),
			"basis": string(p.Basis), "needs_consent": p.NeedsConsent(), "granted": st.Granted(p.Key), "needs_reconsent": stale[p.Key]})
	}
	cats, err := a.inventory(ctx, subjectID, lang)
	if err != nil {
		return nil, err
	}
	rs, err := a.Store.ListRightsRequests(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	reqs := []map[string]any{}
	for _, r := range rs {
		reqs = append(reqs, requestJSON(r, time.Now()))
	}
	sections := []any{
		map[string]any{"id": "personalisation", "on": !st.Granted(consent.SignalPersonalisationOff)},
		map[string]any{"id": "consent", "purposes": purposes},
		map[string]any{"id": "data", "categories": cats},
	}
	if a.Profiles != nil {
		// The page fetches GET /api/v1/me/tags itself, so deleting one redraws only that list.
		sections = append(sections, map[string]any{"id": "tags", "href": "/api/v1/me/tags"})
	}
	sections = append(sections, map[string]any{"id": "requests", "requests": reqs}, map[string]any{"id": "report"})
	return map[string]any{"subject": map[string]any{"id": subjectID}, "sections": sections}, nil
}

// reader returns the purpose-scoped reader.
func (a *App) reader() *access.Reader {
	return access.NewReader(a.Store, a.Vault, rules{a}, newAccessDecider(a), maskValue)
}

// accessDecider answers reads: the person's own access sees everything; every other
// purpose goes through the policy with the subject's consent state. One decider serves
// one read, so the subject's state is read from the ledger and compiled once, not once
// per category.
type accessDecider struct {
	a      *App
	pd     *policy.Decider
	states map[string]policy.SubjectState
	// consent holds the effective consent state each subject's policy state was built from.
	consent map[string]consent.State
}

func newAccessDecider(a *App) *accessDecider {
	return &accessDecider{a: a, pd: a.Policy(), states: map[string]policy.SubjectState{}, consent: map[string]consent.State{}}
}

func (d *accessDecider) Read(ctx context.Context, subjectID, purpose, category string) (access.Effect, string, error) {
	if purpose == purposeRightsAccess {
		return access.Allow, "", nil
	}
	subj, ok := d.states[subjectID]
	if !ok {
		st, err := d.a.Consent.State(ctx, subjectID)
		if err != nil {
			return access.Deny, "", err
		}
		st, _ = d.a.Effective(st)
		d.consent[subjectID] = st
		s := storedOf(st)
		sig := &gate.Signals{Consents: s.Consents, PersonalisationOff: s.PersonalisationOff, ObjectDirectMarketing: s.ObjectDirectMarketing,
			GPC: s.GPC, Guardian: s.Guardian}
		subj = d.pd.Subject(factsOf(sig))
		d.states[subjectID] = subj
	}
	if purpose == purposeProfiling {
		return d.profilingEffect(subj, category), "", nil
	}
	dec := d.pd.Decide(policy.Request{Subject: subj, Purpose: purpose, Categories: []string{category}, Action: policy.Read})
	switch dec.Effect {
	case policy.Allow:
		return access.Allow, dec.Reason, nil
	case policy.AllowMasked:
		return access.AllowMasked, dec.Reason, nil
	}
	return access.Deny, dec.Reason, nil
}

// inventory lists the categories of data held about the subject, with purposes and
// retention, counted over their stored events.
func (a *App) inventory(ctx context.Context, subjectID, lang string) ([]map[string]any, error) {
	counts := map[string]int{}
	var after int64
	r := a.reader()
	for {
		evs, err := r.Events(ctx, access.Request{Actor: "subject", Purpose: purposeRightsAccess, SubjectID: subjectID, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			et := rules{a}.EventType(e.Type, e.Name)
			walk("", e.Fields, func(path string) {
				if f, ok := a.Manifest().FieldFor(et, path); ok {
					counts[f.Category]++
				}
			})
		}
		after = evs[len(evs)-1].Seq
	}
	purposesOf := a.regime.Load().uses.purposesOf
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		var ps []string
		retention := 0
		for p := range purposesOf[k] {
			if tp, ok := a.Manifest().Taxonomy.Purpose(p); ok {
				ps = append(ps, a.purposeName(tp, lang))
				d := tp.MaxRetentionDays
				if v, ok := a.Manifest().PurposeRetention[p]; ok {
					d = v
				}
				retention = max(retention, d)
			}
		}
		if v, ok := a.Manifest().CategoryRetention[k]; ok {
			retention = v
		}
		sort.Strings(ps)
		grade := ""
		if c, ok := a.Manifest().Taxonomy.Category(k); ok {
			grade = string(c.Grade)
		}
		out = append(out, map[string]any{"key": k, "name": a.categoryName(k, lang), "grade": grade, "purposes": ps,
			"retention_days": retention, "count": counts[k]})
	}
	return out, nil
}

// walk calls fn with the dotted path of every leaf and every object member.
func walk(prefix string, m map[string]any, fn func(string)) {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		fn(p)
		if child, ok := v.(map[string]any); ok {
			walk(p, child, fn)
		}
	}
}

// subjects methods behind /api/v1/me.

func (s subjects) SetConsent(ctx context.Context, subjectID, purpose string, granted bool, evidence map[string]any) error {
	p, ok := s.a.Manifest().Taxonomy.Purpose(purpose)
	if !ok || consent.IsSignal(purpose) {
		return server.Errorf(400, server.CodeBadRequest, "unknown purpose %q", purpose)
	}
	if !p.NeedsConsent() {
		return server.Errorf(400, server.CodeBadRequest, "purpose %q rests on %s, not on consent: there is nothing to grant or withdraw", purpose, p.Basis)
	}
	m := consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject", Evidence: evidence}
	var err error
	if granted {
		err = s.a.Consent.Grant(ctx, subjectID, purpose, m)
	} else {
		err = s.a.Consent.Withdraw(ctx, subjectID, purpose, m)
	}
	if err != nil {
		return err
	}
	s.a.touchProfile(ctx, subjectID)
	return s.a.Record(ctx, audit.ActConsentChange, subjectID, "subject", purpose, "consent",
		map[string]string{"granted": strconv.FormatBool(granted), "method": store.MethodPrivacyCenter})
}

func (s subjects) SetPersonalisation(ctx context.Context, subjectID string, on bool) error {
	if err := s.a.Consent.SetPersonalisation(ctx, subjectID, on, consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject"}); err != nil {
		return err
	}
	s.a.touchProfile(ctx, subjectID)
	return s.a.Record(ctx, audit.ActConsentChange, subjectID, "subject", consent.SignalPersonalisationOff, "consent",
		map[string]string{"personalisation": strconv.FormatBool(on), "method": store.MethodPrivacyCenter})
}

func (s subjects) ConsentMode(ctx context.Context, subjectID string) (map[string]string, error) {
	st, err := s.a.Consent.State(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	return consent.ConsentMode(st), nil
}

// Export is the portable copy: every event held (decrypted, for the person themselves),
// the consent history with ISO/IEC TS 27560 records, and the inventory.
func (s subjects) Export(ctx context.Context, subjectID, lang string) (any, error) {
	a := s.a
	var events []access.Event
	var after int64
	for {
		page, err := a.reader().Events(ctx, access.Request{Actor: "subject", Purpose: purposeRightsAccess, SubjectID: subjectID, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		events = append(events, page...)
		after = page[len(page)-1].Seq
	}
	hist, err := a.Consent.History(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	var receipts []map[string]any
	for _, r := range hist {
		receipts = append(receipts, consent.Receipt(r, a.Manifest(), a.controller(), lang, "/privacy/"))
	}
	inv, err := a.inventory(ctx, subjectID, lang)
	if err != nil {
		return nil, err
	}
	if err := a.Record(ctx, audit.ActExport, subjectID, "subject", purposeRightsAccess, "legal_obligation",
		map[string]string{"events": strconv.Itoa(len(events))}); err != nil {
		return nil, err
	}
	tags := []map[string]any{}
	if a.Profiles != nil && a.Profiles.Ready() {
		for _, as := range a.Profiles.TagsOf(subjectID, lang, false) {
			tags = append(tags, map[string]any{"name": as.Tag.Name, "label": localized(as.Tag.Label, lang, as.Tag.Name),
				"explanation": localized(as.Tag.Explain, lang, ""), "purpose": as.Tag.Purpose, "assigned_at": as.AssignedAt,
				"expires_at": as.ExpiresAt, "evidence": as.Evidence})
		}
	}
	return map[string]any{
		"tags":        tags,
		"$schema":     "/api/v1/schemas/export.json",
		"exported_at": time.Now().UTC().Format(time.RFC3339),
		"subject":     map[string]any{"id": subjectID},
		"data":        inv,
		"events":      events,
		"consents":    receipts,
	}, nil
}

// ConsentAt answers "what had this person allowed at that instant" for operators.
func (s subjects) ConsentAt(ctx context.Context, userID string, at time.Time, lang string) (any, error) {
	sub, err := s.SubjectForUserID(ctx, userID)
	if err != nil {
		return nil, err
	}
	st, err := s.a.Consent.StateAt(ctx, sub, at)
	if err != nil {
		return nil, err
	}
	hist, err := s.a.Consent.History(ctx, sub)
	if err != nil {
		return nil, err
	}
	var used []map[string]any
	for _, r := range hist {
		if !r.At.After(at) {
			used = append(used, map[string]any{"id": r.ID, "purpose": r.Purpose, "granted": r.Granted, "method": r.Method,
				"at": r.At, "notice_version": r.NoticeVersion, "notice_hash": r.NoticeHash})
		}
	}
	return map[string]any{"subject": sub, "at": at.UTC(), "state": st, "consent_mode": consent.ConsentMode(st), "records": used}, nil
}

func (a *App) controller() consent.Controller {
	return consent.Controller{ID: "controller", Name: a.Manifest().Name, Address: a.Manifest().Home, Contact: "see the shop's privacy notice"}
}

// maskValue masks a value of a category for display (vault.Mask by kind).
func maskValue(category string, v any) any {
	str, ok := v.(string)
	if !ok {
		return "***"
	}
	switch {
	case strings.HasPrefix(category, "user.contact.email"):
		return vault.Mask(vault.KindEmail, str)
	case strings.HasPrefix(category, "user.contact.phone_number"):
		return vault.Mask(vault.KindPhone, str)
	case strings.HasPrefix(category, "user.name"):
		return vault.Mask(vault.KindName, str)
	case strings.HasPrefix(category, "user.government_id"):
		return vault.Mask(vault.KindIDNumber, str)
	}
	return "***"
}

// Reader returns the purpose-scoped reader (every read of personal data names a purpose).
func (a *App) Reader() *access.Reader { return a.reader() }

// Erase implements server.Subjects: the person's own deletion request, done at once.
func (s subjects) Erase(ctx context.Context, subjectID string) (any, error) {
	return s.a.Erase(ctx, subjectID)
}

// Events implements server.Subjects: an operator's purpose-bound read of one person.
func (s subjects) Events(ctx context.Context, userID, purpose string, clear bool, actor string) (any, error) {
	if _, ok := s.a.Manifest().Taxonomy.Purpose(purpose); !ok || purpose == purposeRightsAccess {
		return nil, server.Errorf(400, server.CodeBadRequest, "unknown purpose %q", purpose)
	}
	sub, err := s.SubjectForUserID(ctx, userID)
	if err != nil {
		return nil, err
	}
	var d access.Decider = newAccessDecider(s.a)
	if !clear {
		d = maskIdentifiers{d, s.a}
	}
	r := access.NewReader(s.a.Store, s.a.Vault, rules{s.a}, d, maskValue)
	evs, err := r.Events(ctx, access.Request{Actor: actor, Purpose: purpose, SubjectID: sub, Limit: 1000})
	if err != nil {
		return nil, err
	}
	basis := ""
	if p, ok := s.a.Manifest().Taxonomy.Purpose(purpose); ok {
		basis = string(p.Basis)
	}
	if err := s.a.Record(ctx, audit.ActRead, sub, actor, purpose, basis,
		map[string]string{"events": strconv.Itoa(len(evs)), "identifiers_in_clear": strconv.FormatBool(clear)}); err != nil {
		return nil, err
	}
	return map[string]any{"subject": sub, "purpose": purpose, "identifiers_in_clear": clear, "events": evs}, nil
}

// maskIdentifiers turns an allowed read of a direct identifier into a masked one: the
// operator's role does not warrant seeing who the person is.
type maskIdentifiers struct {
	access.Decider
	a *App
}

func (m maskIdentifiers) Read(ctx context.Context, subjectID, purpose, category string) (access.Effect, string, error) {
	e, reason, err := m.Decider.Read(ctx, subjectID, purpose, category)
	if err != nil || e != access.Allow {
		return e, reason, err
	}
	if c, ok := m.a.Manifest().Taxonomy.Category(category); ok && (c.Identifier || strings.HasPrefix(category, "user.name")) {
		return access.AllowMasked, "role_masks_identifiers", nil
	}
	return e, reason, nil
}

// ConsentRates implements server.Subjects: the console's consent-rate charts.
func (s subjects) ConsentRates(ctx context.Context, days int) (any, error) {
	to := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	counts, err := s.a.Store.ConsentCounts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	type day struct {
		Day       string `json:"day"`
		Granted   int64  `json:"granted"`
		Withdrawn int64  `json:"withdrawn"`
	}
	per := map[string][]day{}
	for _, c := range counts {
		if consent.IsSignal(c.Purpose) {
			continue
		}
		per[c.Purpose] = append(per[c.Purpose], day{c.Day, c.Granted, c.Withdrawn})
	}
	return map[string]any{"from": from, "to": to, "purposes": per}, nil
}
