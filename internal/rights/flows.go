package rights

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
)

// What happened to a person's data, for them (issue 18 item 5, issue 25 item 4). Both views
// are built from their transparency report — every act about them in the audit log, each
// with its inclusion proof — so every line they read rests on a log entry they can check
// in their own browser: Activity, the acts in plain words day by day; Flows, where their
// data went: what was collected (by kind of event, counts rounded), for which purposes it
// was used, which tags and campaigns used it, which partners received it, and what was
// deleted. Acts are sorted into those sections by what they are about (a recipient, a
// campaign, an erasure), not by a list of acts, so acts added later — campaign sends,
// clean-room jobs with partners — appear where they belong without code here.

// ErrNoReport: this server keeps no audit log to build the views from.
var ErrNoReport = errors.New("rights: no audit log to report from")

// Evidence is the log entry a line rests on, with what a browser needs to check that it is
// in the signed log: the leaf, its index and inclusion proof against the checkpoint, and
// for an act about many people the proof that the person was among them.
type Evidence struct {
	Index    uint64                    `json:"index"`
	Leaf     string                    `json:"leaf"`
	Proof    []string                  `json:"proof"`
	Audience *audit.AudienceMembership `json:"audience,omitempty"`
}

// Line is one line of the person's activity or data flows.
type Line struct {
	Act         string `json:"act"`
	Purpose     string `json:"purpose,omitempty"`
	PurposeName string `json:"purpose_name,omitempty"`
	// About names what the act was about: a campaign, a segment, a recipient, a tag.
	About string `json:"about,omitempty"`
	// From and To are the first and last day (YYYY-MM-DD, UTC).
	From string `json:"from"`
	To   string `json:"to"`
	// Times counts the acts; Approx is it rounded, in words.
	Times  int    `json:"times"`
	Approx string `json:"approx"`
	Text   string `json:"text"`
	// Leaves are the log indexes of every act the line stands for; Evidence proves the
	// latest of them.
	Leaves   []uint64  `json:"leaves"`
	Evidence *Evidence `json:"evidence,omitempty"`
}

// Activity is the person's transparency report in plain words, newest first.
type Activity struct {
	Checkpoint audit.CheckpointView `json:"checkpoint"`
	Lines      []Line               `json:"lines"`
}

// FlowSection is one section of the data-flow view.
type FlowSection struct {
	ID    string `json:"id"`
	Lines []Line `json:"lines"`
}

// Collected is one kind of event collected about the person, as held now.
type Collected struct {
	Kind       string   `json:"kind"`
	Label      string   `json:"label"`
	Count      int      `json:"count"`
	Approx     string   `json:"approx"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Text       string   `json:"text"`
	Categories []string `json:"categories"`
	Purposes   []string `json:"purposes"`
	// Basis is the log entry of the consent the collection rests on, when it rests on
	// one (the latest grant of one of its purposes); contract and legal duties need none.
	Basis *Evidence `json:"basis,omitempty"`
}

// Flows is the data-flow view.
type Flows struct {
	Checkpoint audit.CheckpointView `json:"checkpoint"`
	Collected  []Collected          `json:"collected"`
	// Sections are purposes, tags, campaigns, partners and deleted, in that order.
	Sections []FlowSection `json:"sections"`
}

// flowSections is the order of the view.
var flowSections = []string{"purposes", "tags", "campaigns", "partners", "deleted"}

// sectionOf sorts an act into the data-flow view by what it is about; "" leaves it out
// (choices and requests are the person's own acts, not flows of their data).
func sectionOf(e audit.ReportEntry) string {
	switch {
	case e.Recipient != "" || e.Detail["partner"] != "":
		return "partners"
	case e.Detail["campaign"] != "":
		return "campaigns"
	case e.Act == audit.ActErasure || e.Act == audit.ActTagDeleted:
		return "deleted"
	case e.Act == audit.ActRightsStep:
		if (e.Detail["type"] == string(Erasure) || e.Detail["type"] == string(AccountDeletion)) && e.Detail["state"] == string(Done) && e.Detail["step"] == "" {
			return "deleted"
		}
		return ""
	case e.Act == audit.ActConsentChange, e.Act == audit.ActExport, e.Act == audit.ActSessionMinted, e.Act == audit.ActIdentityLink:
		return ""
	case e.Act == audit.ActActivation && e.Detail["segment"] != "":
		return "campaigns"
	case e.Purpose != "" && e.Purpose != access.PurposeRightsAccess:
		return "purposes"
	}
	return ""
}

// about is what an act concerns, for grouping and for the line's About.
func about(e audit.ReportEntry) string {
	d := e.Detail
	for _, v := range []string{e.Recipient, d["partner"], d["campaign"], d["segment"], d["tag"]} {
		if v != "" {
			return v
		}
	}
	return ""
}

// dayOf is the day an act belongs to: its own "day" detail (a day of profiling recorded
// after midnight), else the UTC day it was recorded.
func dayOf(e audit.ReportEntry) string {
	if d := e.Detail["day"]; d != "" {
		return d
	}
	return e.Time.UTC().Format(time.DateOnly)
}

func evidenceOf(e audit.ReportEntry) *Evidence {
	return &Evidence{Index: e.Index, Leaf: e.Leaf, Proof: e.Proof, Audience: e.Audience}
}

func (s *Service) report(ctx context.Context, subjectID string) (audit.TransparencyReport, error) {
	if s.cfg.Reports == nil {
		return audit.TransparencyReport{}, ErrNoReport
	}
	return s.cfg.Reports.Report(ctx, subjectID)
}

// tagLabel names a tag for people: its label in the manifest or as the engine knows it.
func (s *Service) tagLabel(r *regime.Regime, lang string) func(string) string {
	return func(name string) string {
		for _, t := range r.Manifest().Tags {
			if t.Name == name {
				return profile.Localized(t.Label, lang, name)
			}
		}
		return name
	}
}

// group folds entries into lines by key, in first-seen order.
func group(r *regime.Regime, es []audit.ReportEntry, key func(audit.ReportEntry) string, lang string, tag func(string) string, now time.Time) []Line {
	idx := map[string]int{}
	var out []Line
	for _, e := range es {
		k := key(e)
		if k == "" {
			continue
		}
		day := dayOf(e)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Line{Act: string(e.Act), Purpose: e.Purpose, PurposeName: purposeName(r, e.Purpose, lang), About: about(e),
				From: day, To: day, Text: sentence(r, e, lang, tag, now)})
		}
		l := &out[i]
		l.Times++
		l.Leaves = append(l.Leaves, e.Index)
		l.From, l.To = min(l.From, day), max(l.To, day)
		l.Evidence = evidenceOf(e) // the latest
	}
	for i := range out {
		out[i].Approx = Approx(out[i].Times, lang)
		out[i].Text = dated(out[i].Text, out[i].From, out[i].To, out[i].Times, lang, now)
	}
	return out
}

// Activity is the person's transparency report in plain words, one line per kind of act
// and day, newest first, each with the entry that proves it.
func (s *Service) Activity(ctx context.Context, subjectID, lang string) (Activity, error) {
	rep, err := s.report(ctx, subjectID)
	if err != nil {
		return Activity{}, err
	}
	r := s.cfg.Regime()
	key := func(e audit.ReportEntry) string {
		d := e.Detail
		// Choices and request steps are each their own line; uses of data fold by day.
		var variant string
		switch e.Act {
		case audit.ActConsentChange:
			variant = d["granted"] + d["personalisation"] + d["record"] + d["changes"]
		case audit.ActRightsStep:
			variant = d["request"] + "/" + d["state"] + "/" + d["step"]
		case audit.ActSessionMinted, audit.ActIdentityLink:
			variant = d["session"] + d["link"]
		}
		return strings.Join([]string{string(e.Act), e.Purpose, dayOf(e), about(e), variant}, "\x00")
	}
	lines := group(r, rep.Entries, key, lang, s.tagLabel(r, lang), s.cfg.Now())
	slices.Reverse(lines) // the log is in time order: newest first for people
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].To > lines[j].To })
	return Activity{Checkpoint: rep.Checkpoint, Lines: nonNil(lines)}, nil
}

// Flows is the data-flow view of the person (issue 25 item 4).
func (s *Service) Flows(ctx context.Context, subjectID, lang string) (Flows, error) {
	rep, err := s.report(ctx, subjectID)
	if err != nil {
		return Flows{}, err
	}
	r := s.cfg.Regime()
	now := s.cfg.Now()
	tag := s.tagLabel(r, lang)
	out := Flows{Checkpoint: rep.Checkpoint}
	if out.Collected, err = s.collected(ctx, subjectID, lang, rep.Entries); err != nil {
		return Flows{}, err
	}
	bySection := map[string][]Line{}
	for _, sec := range flowSections {
		if sec == "tags" {
			continue
		}
		bySection[sec] = group(r, rep.Entries, func(e audit.ReportEntry) string {
			if sectionOf(e) != sec {
				return ""
			}
			return strings.Join([]string{string(e.Act), e.Purpose, about(e)}, "\x00")
		}, lang, tag, now)
	}
	bySection["tags"] = s.tagLines(r, subjectID, rep.Entries, lang, now)
	for _, sec := range flowSections {
		out.Sections = append(out.Sections, FlowSection{ID: sec, Lines: nonNil(bySection[sec])})
	}
	return out, nil
}

// tagLines are the tags the person carries, each with what it is built on and what for,
// resting on the profiling acts of its purpose.
func (s *Service) tagLines(r *regime.Regime, subjectID string, es []audit.ReportEntry, lang string, now time.Time) []Line {
	if s.cfg.Profiles == nil || !s.cfg.Profiles.Ready() {
		return nil
	}
	var out []Line
	for _, as := range s.cfg.Profiles.TagsOf(subjectID, lang, true) {
		var cats []string
		for _, c := range as.Tag.Categories {
			cats = append(cats, lowerFirst(r.CategoryName(c, lang)))
		}
		label := profile.Localized(as.Tag.Label, lang, as.Tag.Name)
		sep := map[bool]string{true: "、", false: ", "}[lang == "zh-CN"]
		core := say(lang, "The tag “%s” was worked out from your %s, %s", "根据您的%[2]s得出标签“%[1]s”，用于%[3]s",
			label, strings.Join(cats, sep), usePhrase(r, as.Tag.Purpose, lang))
		l := Line{Act: string(audit.ActProfiling), Purpose: as.Tag.Purpose, PurposeName: purposeName(r, as.Tag.Purpose, lang), About: label}
		for _, e := range es {
			if e.Act == audit.ActProfiling && e.Purpose == as.Tag.Purpose {
				day := dayOf(e)
				if l.Times == 0 {
					l.From, l.To = day, day
				}
				l.Times++
				l.Leaves = append(l.Leaves, e.Index)
				l.From, l.To = min(l.From, day), max(l.To, day)
				l.Evidence = evidenceOf(e)
			}
		}
		if l.Times == 0 {
			// Computed, but no day of profiling has been written to the log yet.
			l.From = as.AssignedAt.UTC().Format(time.DateOnly)
			l.To = l.From
		}
		l.Approx = Approx(l.Times, lang)
		l.Text = dated(core, l.From, l.To, l.Times, lang, now)
		out = append(out, l)
	}
	return out
}

// collected walks what is held about the person (as their own access sees it) and counts
// it by kind of event, with the categories and purposes of the fields it carries.
func (s *Service) collected(ctx context.Context, subjectID, lang string, es []audit.ReportEntry) ([]Collected, error) {
	r := s.cfg.Regime()
	m := r.Manifest()
	type acc struct {
		n          int
		first, day string
		cats       map[string]bool
		purposes   map[string]bool
	}
	kinds := map[string]*acc{}
	var order []string
	err := s.events(ctx, subjectID, func(e access.Event) {
		et := r.EventType(e.Type, e.Name)
		a := kinds[et]
		if a == nil {
			a = &acc{cats: map[string]bool{}, purposes: map[string]bool{}}
			kinds[et] = a
			order = append(order, et)
		}
		day := e.OccurredAt.UTC().Format(time.DateOnly)
		if a.n == 0 || day < a.first {
			a.first = day
		}
		a.day = max(a.day, day)
		a.n++
		b, err := json.Marshal(e.Fields)
		if err != nil {
			return
		}
		jsonscan.Filter(b, func(path string, _ []byte) jsonscan.Verdict { //nolint:errcheck // valid JSON we just wrote
			if f, ok := m.FieldFor(et, path); ok && !strings.HasPrefix(f.Category, "system.") {
				a.cats[f.Category] = true
				for _, p := range f.Purposes {
					a.purposes[p] = true
				}
			}
			return jsonscan.Verdict{}
		})
	})
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	out := make([]Collected, 0, len(order))
	for _, et := range order {
		a := kinds[et]
		c := Collected{Kind: et, Label: m.EventLabel(et, lang), Count: a.n, Approx: Approx(a.n, lang), From: a.first, To: a.day,
			Categories: []string{}, Purposes: []string{}}
		for k := range a.cats {
			c.Categories = append(c.Categories, r.CategoryName(k, lang))
		}
		var consentBased []string
		for k := range a.purposes {
			p, ok := r.Purpose(k)
			if !ok {
				continue
			}
			c.Purposes = append(c.Purposes, r.PurposeName(k, lang))
			if p.NeedsConsent() {
				consentBased = append(consentBased, k)
			}
		}
		sort.Strings(c.Categories)
		sort.Strings(c.Purposes)
		for _, e := range es {
			if e.Act == audit.ActConsentChange && e.Detail["granted"] == "true" && slices.Contains(consentBased, e.Purpose) {
				c.Basis = evidenceOf(e)
			}
		}
		c.Text = dated(say(lang, "We hold “%s”", "我们保存了“%s”", c.Label), c.From, c.To, c.Count, lang, now)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out, nil
}
