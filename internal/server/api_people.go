package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// peopleAPI finds a person and shows what Steward holds about them and did with it (issue 18
// item 1). Lookups go through blind indexes only — an exact match on a keyed digest of the
// userId, email or phone, never a scan of plaintext — and every read of personal data goes
// through the purpose-scoped reader, which masks by role and records the operator's read.
type peopleAPI struct {
	s        *Server
	index    collect.Indexer
	reader   *access.Reader
	profiles *profile.Engine
	regime   *regime.Service
	rights   *rights.Service
	audit    *audit.Log
	console  store.Console
}

// SubjectMatch is one person a search found.
type SubjectMatch struct {
	// UserID is the shop's userId ("" for a person known only by a device).
	UserID string `json:"user_id"`
	// Subject is Steward's internal id of the person.
	Subject string `json:"subject"`
	// Matched says which identifier matched: user_id, email or phone.
	Matched string `json:"matched"`
}

// SubjectSearch is the answer to GET /api/v1/subjects?q=.
type SubjectSearch struct {
	Subjects []SubjectMatch `json:"subjects"`
}

// search finds people by userId, email or phone. A userId is opaque and matched as it is;
// a value that normalises as an email or a phone number (the vault's rules, the same
// ingestion indexed it with) is looked up as one too. Contact details can be searched only
// by operators who may read identities (subjects:read): to anyone else the search would say
// whether an address is a customer's.
func (h peopleAPI) search(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" || len(q) > 256 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "q is a userId, email or phone number (1-256 characters)")
	}
	p := principal(r)
	kinds := []string{store.IdentityUserID}
	for _, k := range []string{store.IdentityEmail, store.IdentityPhone} {
		if _, err := vault.Normalize(k, q, "86"); err != nil {
			continue
		}
		switch {
		case p.Has(auth.ScopeSubjectsRead):
			kinds = append(kinds, k)
		case k == store.IdentityEmail:
			return Errorf(http.StatusForbidden, CodeForbidden, "searching by email or phone needs scope %s", auth.ScopeSubjectsRead)
		}
		// A number without that scope is looked up as a userId only.
	}
	keys := make([]store.IdentityKey, 0, len(kinds))
	for _, k := range kinds {
		hash, err := h.index.Index(k, q)
		if err != nil {
			continue
		}
		keys = append(keys, store.IdentityKey{Kind: k, Hash: string(hash)})
	}
	found, err := h.s.st.LookupIdentities(r.Context(), keys)
	if err != nil {
		return err
	}
	out := SubjectSearch{Subjects: []SubjectMatch{}}
	seen := map[string]bool{}
	for _, k := range keys { // in order: a userId match first
		sub, ok := found[k]
		if !ok {
			continue
		}
		if sub, err = h.live(r.Context(), sub); err != nil {
			return err
		}
		if seen[sub] {
			continue
		}
		seen[sub] = true
		m := SubjectMatch{Subject: sub, Matched: k.Kind}
		if k.Kind == store.IdentityUserID {
			m.UserID = q
		} else if m.UserID, err = h.userIDOf(r.Context(), p, sub); err != nil {
			return err
		}
		out.Subjects = append(out.Subjects, m)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// live follows merges to the surviving subject.
func (h peopleAPI) live(ctx context.Context, id string) (string, error) {
	for range 16 {
		sub, err := h.s.st.Subject(ctx, id)
		if err != nil {
			return "", err
		}
		if sub.MergedInto == "" {
			break
		}
		id = sub.MergedInto
	}
	return id, nil
}

// userIDOf reads the userId of a person found by a contact detail: through the reader, for
// the service the shop owes its customer (a recorded read), from their first events.
func (h peopleAPI) userIDOf(ctx context.Context, p auth.Principal, subjectID string) (string, error) {
	evs, err := h.reader.Events(ctx, access.Request{Actor: p.Operator.ID, Viewer: p.Operator.Role, Purpose: "essential.service", SubjectID: subjectID, Limit: 200})
	if errors.Is(err, access.ErrDenied) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	for _, e := range evs {
		if u, ok := e.Fields["userId"].(string); ok && u != "" {
			return u, nil
		}
	}
	return "", nil
}

// Person is the console's page of one person: each part present only when the token holds
// its scope (see the field comments).
type Person struct {
	UserID  string `json:"user_id"`
	Subject string `json:"subject"`
	// Identities counts the identifiers pointing at the person by kind (user_id,
	// anonymous_id, email, phone): the digests, never the values.
	Identities map[string]int64 `json:"identities"`
	// Contact is the latest email and phone the person gave, read for essential.service
	// through the reader (recorded); only for operators who may read identities
	// (subjects:read), who see them in clear. Absent for everyone else.
	Contact *Contact `json:"contact,omitempty"`
	// Tags the person carries, each with why (tags:read), and the ones they deleted.
	Tags        []PersonTag          `json:"tags,omitempty"`
	DeletedTags []profile.DeletedTag `json:"deleted_tags,omitempty"`
	// Segments the person is in (segments:read).
	Segments []string `json:"segments,omitempty"`
	// Requests are the person's rights requests (rights:read).
	Requests []rights.RequestView `json:"requests,omitempty"`
	// Audit is the latest acts about the person, newest first (audit:read).
	Audit []PersonAct `json:"audit,omitempty"`
	// Sections lists the parts this token could read.
	Sections []string `json:"sections"`
}

// Contact is a person's latest contact details.
type Contact struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	Name  string `json:"name,omitempty"`
}

// PersonTag is a tag on the person with the facts that make it apply.
type PersonTag struct {
	Name        string             `json:"name"`
	Label       string             `json:"label"`
	Purpose     string             `json:"purpose"`
	PurposeName string             `json:"purpose_name"`
	Kind        string             `json:"kind"`
	UserVisible bool               `json:"user_visible"`
	Evidence    []profile.Evidence `json:"evidence"`
	AssignedAt  time.Time          `json:"assigned_at"`
	ExpiresAt   time.Time          `json:"expires_at"`
}

// PersonAct is one act of the audit log about the person.
type PersonAct struct {
	Index   uint64            `json:"index"`
	Time    time.Time         `json:"time"`
	Act     string            `json:"act"`
	Actor   string            `json:"actor"`
	Purpose string            `json:"purpose,omitempty"`
	Detail  map[string]string `json:"detail,omitempty"`
}

const personActs = 50

func (h peopleAPI) person(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("id")
	if strings.TrimSpace(userID) == "" || len(userID) > 256 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "the path needs the shop's userId (1-256 characters)")
	}
	ctx := r.Context()
	sub, err := collect.SubjectForUserID(ctx, h.s.st, h.index, userID)
	if errors.Is(err, store.ErrNotFound) {
		return Errorf(http.StatusNotFound, CodeNotFound, "no subject has this userId")
	}
	if err != nil {
		return err
	}
	p, l := principal(r), lang(r)
	out := Person{UserID: userID, Subject: sub, Identities: map[string]int64{}, Sections: []string{"identities"}}
	if h.console != nil {
		if out.Identities, err = h.console.IdentityKinds(ctx, sub); err != nil {
			return err
		}
	}
	if p.Has(auth.ScopeSubjectsRead) {
		c, err := h.contact(ctx, p, sub)
		if err != nil {
			return err
		}
		out.Contact, out.Sections = c, append(out.Sections, "contact")
	}
	if h.profiles != nil && h.profiles.Ready() {
		if p.Has(auth.ScopeTagsRead) {
			out.Tags = []PersonTag{}
			for _, a := range h.profiles.TagsOf(sub, l, false) {
				out.Tags = append(out.Tags, PersonTag{Name: a.Tag.Name, Label: profile.Localized(a.Tag.Label, l, a.Tag.Name), Purpose: a.Tag.Purpose,
					PurposeName: h.regime.Current().PurposeName(a.Tag.Purpose, l), Kind: string(a.Tag.Kind), UserVisible: a.Tag.UserVisible,
					Evidence: a.Evidence, AssignedAt: a.AssignedAt, ExpiresAt: a.ExpiresAt})
			}
			mine, err := h.profiles.TagsFor(ctx, sub, l, nil)
			if err != nil {
				return err
			}
			out.DeletedTags, out.Sections = mine.Deleted, append(out.Sections, "tags")
		}
		if p.Has(auth.ScopeSegmentsRead) {
			pv, _ := h.profiles.PersonOf(sub, nil, nil)
			out.Segments, out.Sections = append([]string{}, pv.Segments...), append(out.Sections, "segments")
		}
	}
	if h.rights != nil && p.Has(auth.ScopeRightsRead) {
		rs, err := h.rights.List(ctx, sub)
		if err != nil {
			return err
		}
		out.Requests, out.Sections = rs, append(out.Sections, "requests")
	}
	if h.audit != nil && p.Has(auth.ScopeAuditRead) {
		rep, err := h.audit.Report(ctx, sub)
		if err != nil {
			return err
		}
		out.Audit = []PersonAct{}
		for i := len(rep.Entries) - 1; i >= 0 && len(out.Audit) < personActs; i-- {
			e := rep.Entries[i]
			out.Audit = append(out.Audit, PersonAct{Index: e.Index, Time: e.Time, Act: string(e.Act), Actor: e.Actor, Purpose: e.Purpose, Detail: e.Detail})
		}
		out.Sections = append(out.Sections, "audit")
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// contact reads the latest identify traits for essential.service (the reader records it).
func (h peopleAPI) contact(ctx context.Context, p auth.Principal, sub string) (*Contact, error) {
	c := &Contact{}
	req := access.Request{Actor: p.Operator.ID, Viewer: p.Operator.Role, Purpose: "essential.service", SubjectID: sub, Limit: 1000}
	// The first page through Events records the operator's read; the rest of the history
	// (EventsPage records nothing) belongs to the same read.
	evs, err := h.reader.Events(ctx, req)
	pg := access.Page{More: len(evs) > 0}
	for i := 0; ; i++ {
		if errors.Is(err, access.ErrDenied) {
			return c, nil
		}
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			traits, _ := e.Fields["traits"].(map[string]any)
			for k, dst := range map[string]*string{"email": &c.Email, "phone": &c.Phone, "name": &c.Name} {
				if v, ok := traits[k].(string); ok && v != "" {
					*dst = v
				}
			}
		}
		if i == 0 {
			// Where the first page ended is not in Events' answer: ask the page again
			// (cheap: the first page is in the store's cache) only when it was full.
			if len(evs) == 0 {
				break
			}
			if _, pg, err = h.reader.EventsPage(ctx, req); err != nil {
				return nil, err
			}
		}
		if !pg.More || i >= 50 {
			break
		}
		req.After = pg.Last
		evs, pg, err = h.reader.EventsPage(ctx, req)
	}
	return c, nil
}

// personScopes are the scopes that open the people screen: its search and page show what
// each lets the token read.
var personScopes = []auth.Scope{auth.ScopeSubjectsRead, auth.ScopeProfilesRead}

func hasAny(p auth.Principal, scopes []auth.Scope) bool {
	return slices.ContainsFunc(scopes, p.Has)
}
