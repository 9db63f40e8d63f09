package anonexport_test

import (
	"context"
	"encoding/csv"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
)

var ctx = context.Background()

func columnIDs(o anonexport.Options) []string {
	var ids []string
	for _, c := range o.Columns {
		ids = append(ids, c.ID)
	}
	return ids
}

// Purpose limitation (PM-02, PIPL Art. 6): an export for analytics.reporting offers only the
// traits whose manifest field lists it and the tags made for it; nothing else can be named;
// purposes that act on individuals may not export at all.
func TestColumnsAreThePurposes(t *testing.T) {
	s := newShop(manifest.Default())
	s.populate(30)
	svc := s.service()
	o, err := svc.Options("")
	if err != nil {
		t.Fatal(err)
	}
	if o.Purpose != "analytics.reporting" {
		t.Fatalf("default purpose %q", o.Purpose)
	}
	ids := columnIDs(o)
	for _, want := range []string{"trait:address.city", "trait:gender", "trait:createdAt", "trait:age", "tag:recent_buyer", "attribute:" + orders90, "attribute:" + revenue90} {
		if !contains(ids, want) {
			t.Errorf("options lack %s: %v", want, ids)
		}
	}
	for _, never := range []string{"trait:email", "trait:name", "trait:phone", "trait:birthday", "tag:repeat_buyer", "tag:likely_to_buy", "tag:high_spender"} {
		if contains(ids, never) {
			t.Errorf("options offer %s to analytics.reporting", never)
		}
	}
	for _, c := range o.Columns {
		want := map[string]string{"trait:address.city": "declared", "trait:gender": "flat", "trait:createdAt": "date", "trait:age": "interval", "tag:recent_buyer": "flat"}[c.ID]
		if want != "" && c.Hierarchy != want {
			t.Errorf("%s: hierarchy %s, want %s", c.ID, c.Hierarchy, want)
		}
	}
	exportable := map[string]bool{}
	for _, p := range o.Purposes {
		exportable[p.Key] = p.Exportable
	}
	if !exportable["analytics.reporting"] || exportable["personalize.content"] || exportable["marketing.advertising.profiling"] || exportable["essential.service"] {
		t.Fatalf("exportable purposes: %v", exportable)
	}

	spec := anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"tag:repeat_buyer"}, K: 2}
	if _, err := svc.Preview(ctx, spec); !errors.Is(err, anonexport.ErrInvalid) || !strings.Contains(err.Error(), `"tag:repeat_buyer" is not a column analytics.reporting may read`) {
		t.Fatalf("a personalisation tag in an analytics export: %v", err)
	}
	for _, p := range []string{"personalize.content", "marketing.advertising.profiling", "essential.service"} {
		spec := anonexport.Spec{Purpose: p, QuasiIdentifiers: []string{"trait:address.city"}, K: 2}
		if _, err := svc.Preview(ctx, spec); !errors.Is(err, anonexport.ErrPurpose) {
			t.Errorf("%s: %v", p, err)
		}
		if _, err := svc.Options(p); !errors.Is(err, anonexport.ErrPurpose) {
			t.Errorf("options %s: %v", p, err)
		}
	}
	if _, err := svc.Preview(ctx, anonexport.Spec{Purpose: "nosuch.purpose", QuasiIdentifiers: []string{"trait:gender"}, K: 2}); !errors.Is(err, anonexport.ErrInvalid) {
		t.Fatalf("unknown purpose: %v", err)
	}
	// A segment is the purpose's to use only if its expression reads what the purpose may.
	s.segments = append(s.segments, segmentView("ad_lovers", `tag("likely_to_buy")`, "marketing.advertising.profiling"))
	spec = anonexport.Spec{Purpose: "analytics.reporting", Segment: "ad_lovers", QuasiIdentifiers: []string{"trait:gender"}, K: 2}
	if _, err := svc.Preview(ctx, spec); !errors.Is(err, anonexport.ErrInvalid) || !strings.Contains(err.Error(), `segment "ad_lovers" reads what analytics.reporting may not`) {
		t.Fatalf("advertising segment in an analytics export: %v", err)
	}
}

// No direct identifier ever: a field the manifest lets analytics read that names a person
// is refused as a quasi-identifier and as the sensitive attribute, and no row carries a
// subject id.
func TestIdentifiersAreRefused(t *testing.T) {
	// The phone field's line in the default manifest, with analytics.reporting added to its
	// purposes (whatever else lists it).
	phoneLine := regexp.MustCompile(`(traits\.phone: \{category: user\.contact\.phone_number, purposes: \[)([^\]]*)\]`)
	def := string(manifest.DefaultYAML())
	if !phoneLine.MatchString(def) {
		t.Fatal("the default manifest has no traits.phone field line")
	}
	yaml := phoneLine.ReplaceAllString(def, "${1}${2}, analytics.reporting]")
	m, err := manifest.Parse("phone.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	s := newShop(m)
	s.populate(30)
	for id, p := range s.people {
		p.Traits["phone"] = "+86 138 0000 " + id
	}
	svc := s.service()
	o, _ := svc.Options("analytics.reporting")
	if contains(columnIDs(o), "trait:phone") {
		t.Fatal("a phone number is offered as a column")
	}
	for _, spec := range []anonexport.Spec{
		{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender", "trait:phone"}, K: 2},
		{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender"}, Sensitive: "trait:phone", K: 2},
	} {
		_, err := svc.Preview(ctx, spec)
		if !errors.Is(err, anonexport.ErrInvalid) || !strings.Contains(err.Error(), `"trait:phone" is a direct identifier (user.contact.phone_number)`) {
			t.Fatalf("%+v: %v", spec, err)
		}
	}
	rel, err := svc.Release(ctx, anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender", "trait:address.city"},
		Sensitive: "attribute:" + orders90, K: 2, Suppression: 0.2}, anonexport.ReleaseOptions{Actor: "op_1"})
	if err != nil {
		t.Fatal(err)
	}
	for id := range s.people {
		if strings.Contains(rel.CSV, id) {
			t.Fatalf("the release names subject %s", id)
		}
	}
	if head, _, _ := strings.Cut(rel.CSV, "\n"); head != `trait:gender,trait:address.city,"attribute:count(""Order Completed"", 90d)"` {
		t.Fatalf("header %q", head)
	}
}

// A person whose state refuses the purpose is not in the table: not counted in, not in the
// release, not in the audit leaf's audience (NC-04: withdrawal stops processing).
func TestConsentExclusion(t *testing.T) {
	s := newShop(manifest.Default())
	s.populate(40)
	// s007 refused analytics; their revenue is unique, so it would show in the release.
	s.refused["s007"] = true
	s.people["s007"].Attributes[1].Value = 99999
	// s011's policy denies the account category only: a column reading it leaves them out.
	s.denied["s011"] = map[string]bool{"user.account": true}
	svc := s.service()
	spec := anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender", "tag:recent_buyer"},
		Sensitive: "attribute:" + revenue90, K: 2, Suppression: 0.1}
	p, err := svc.Preview(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if p.Population.Considered != 40 || p.Population.Included != 39 || p.Population.Excluded[0] != (anonexport.Exclusion{Reason: "not_permitted", Count: 1}) {
		t.Fatalf("population %+v", p.Population)
	}
	rel, err := svc.Release(ctx, spec, anonexport.ReleaseOptions{Actor: "op_1", PreviewID: p.PreviewID})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rel.CSV, "99999") {
		t.Fatal("the release holds the data of a person who refused the purpose")
	}
	if len(s.recorded) != 1 || contains(s.recorded[0].ids, "s007") || len(s.recorded[0].ids) != 39 || !contains(s.recorded[0].ids, "s011") {
		t.Fatalf("audit audience: %d people", len(s.recorded[0].ids))
	}
	// With createdAt (user.account) as a column, s011 is left out too.
	spec.QuasiIdentifiers = append(spec.QuasiIdentifiers, "trait:createdAt")
	p, err = svc.Preview(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if p.Population.Included != 38 || p.Population.Excluded[0].Count != 2 {
		t.Fatalf("population with createdAt: %+v", p.Population)
	}
	// A segment limits who is considered: s000, s003, … are its members.
	s.segments = append(s.segments, segmentView("buyers", `count("Order Completed", 90d) >= 0`, "personalize.content"))
	spec.Segment = "buyers"
	p, err = svc.Preview(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if p.Population.Considered != 14 || p.Population.Included != 14 {
		t.Fatalf("population of the segment: %+v", p.Population)
	}
}

// Preview then release: the risk report before and after in both languages, the level
// chosen per column, the release verified by anonymise's own auditor check, one audit leaf
// naming the purpose, the models and the risk; a changed table refuses a stale preview.
func TestPreviewAndRelease(t *testing.T) {
	s := newShop(manifest.Default())
	s.populate(120)
	svc := s.service()
	// Each kind of column gets its hierarchy, its levels named.
	all := anonexport.Spec{Purpose: "analytics.reporting",
		QuasiIdentifiers: []string{"trait:address.city", "trait:createdAt", "attribute:" + orders90, "tag:recent_buyer"}, K: 5, Suppression: 0.05}
	p, err := svc.Preview(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"trait:address.city":    {"value", "province", "region", "country", "continent", "*"},
		"trait:createdAt":       {"value", "day", "month", "quarter", "year", "*"},
		"attribute:" + orders90: {"value", "intervals of 5", "*"},
		"tag:recent_buyer":      {"value", "*"},
	}
	for _, c := range p.Columns {
		if strings.Join(c.Levels, ",") != strings.Join(want[c.Column], ",") || c.LevelName != c.Levels[c.Level] || c.Height != len(c.Levels)-1 {
			t.Errorf("%s: levels %v, chosen %d %q", c.Column, c.Levels, c.Level, c.LevelName)
		}
		if c.Column == "trait:address.city" && (c.Missing != 12 || c.Unlisted != 1) {
			t.Errorf("city: missing %d unlisted %d", c.Missing, c.Unlisted)
		}
	}

	// Twelve shoppers per city but Shanghai's 36 (the unlisted and missing cities are
	// Shanghai now): 13-anonymity needs cities merged up to the continent.
	for id, p := range s.people {
		if c, _ := p.Traits["address.city"].(string); c == "" || c == "Atlantis" {
			p.Traits["address.city"] = "上海"
		}
		s.people[id] = p
	}
	spec := anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:address.city", "tag:recent_buyer"},
		Sensitive: "trait:gender", K: 13, L: 2, Suppression: 0.1}
	if p, err = svc.Preview(ctx, spec); err != nil {
		t.Fatal(err)
	}
	r := p.Report
	if r.Records != 120 || r.Risk.Before.ProsecutorHighest <= r.Risk.After.ProsecutorHighest || r.Risk.After.ProsecutorHighest > 1/13.0+1e-9 || r.Suppressed > 12 {
		t.Fatalf("report: records %d, highest before %g after %g, suppressed %d", r.Records, r.Risk.Before.ProsecutorHighest, r.Risk.After.ProsecutorHighest, r.Suppressed)
	}
	if !strings.Contains(r.Risk.Summary["en"], "Of 120 records") || !strings.Contains(r.Risk.Summary["zh-CN"], "共 120 条记录") {
		t.Fatalf("summaries: %v", r.Risk.Summary)
	}
	if strings.Join(p.Models, ", ") != "13-anonymity, distinct 2-diversity of trait:gender" {
		t.Fatalf("models %v", p.Models)
	}
	if c := p.Columns[0]; c.Level == 0 || c.Level == c.Height {
		t.Fatalf("city generalised to %s: the test means an intermediate level", c.LevelName)
	}
	t.Logf("city %s, tag %s: %s", p.Columns[0].LevelName, p.Columns[1].LevelName, r.Risk.Summary["en"])

	rel, err := svc.Release(ctx, spec, anonexport.ReleaseOptions{Actor: "op_1", PreviewID: p.PreviewID})
	if err != nil {
		t.Fatal(err)
	}
	if rel.PreviewID != p.PreviewID || rel.Report.Suppressed != r.Suppressed || rel.AuditLeaf != 0 || !strings.HasSuffix(rel.Filename, ".csv") {
		t.Fatalf("release %+v", rel.Preview)
	}
	v, err := anonymise.Verify(strings.NewReader(rel.CSV), ',', anonymise.Claim{QuasiIdentifiers: spec.QuasiIdentifiers, Sensitive: spec.Sensitive,
		K: 13, LDiversity: &anonymise.LDiversity{L: 2}, Suppression: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if v.Records != 120 || v.SmallestClass < 13 || (v.SuppressedStarred && v.Starred != rel.Report.Suppressed) {
		t.Fatalf("verification %+v, reported suppressed %d", v, rel.Report.Suppressed)
	}
	// Every released city is a label of the declared hierarchy at the chosen level.
	city := p.Columns[0]
	labels := map[string]bool{"*": true, "": true, "(other)": true}
	for _, row := range manifest.Default().Hierarchies[0].Rows() {
		labels[row[city.Level]] = true // below the top: "*" is not a row's label
	}
	recs, _ := csv.NewReader(strings.NewReader(rel.CSV)).ReadAll()
	for _, rec := range recs[1:] {
		if !labels[rec[0]] {
			t.Fatalf("city %q is not a label at level %s", rec[0], city.LevelName)
		}
	}
	rec := s.recorded[0]
	if rec.e.Act != audit.ActAnonymisedRelease || rec.e.Purpose != "analytics.reporting" || rec.e.Actor != "op_1" || rec.e.LegalBasis != "consent" ||
		len(rec.ids) != 120 || rec.e.Detail["k"] != "13" || rec.e.Detail["sha256"] != rel.SHA256 || rec.e.Detail["prosecutor_highest_before"] != strconv.FormatFloat(r.Risk.Before.ProsecutorHighest, 'g', 6, 64) ||
		rec.e.Detail["models"] != "13-anonymity; distinct 2-diversity of trait:gender" || rec.e.Detail["records"] != "120" {
		t.Fatalf("audit event %+v", rec.e)
	}
	for k, v := range rec.e.Detail {
		for id := range s.people {
			if strings.Contains(v, id) {
				t.Fatalf("audit detail %s names subject %s", k, id)
			}
		}
	}

	// JSON rows hold the same release.
	js, err := svc.Release(ctx, spec, anonexport.ReleaseOptions{Actor: "op_1", Format: "json"})
	if err != nil || len(js.Rows) != 120 || strings.Join(js.Header, ",") != strings.Join(recs[0], ",") || js.CSV != "" {
		t.Fatalf("json release: %v %d rows", err, len(js.Rows))
	}

	// Someone withdraws: the preview no longer describes the table.
	s.refused["s005"] = true
	if _, err := svc.Release(ctx, spec, anonexport.ReleaseOptions{Actor: "op_1", PreviewID: p.PreviewID}); !errors.Is(err, anonexport.ErrChanged) {
		t.Fatalf("stale preview: %v", err)
	}
	if len(s.recorded) != 2 {
		t.Fatalf("%d acts recorded; a refused release records none", len(s.recorded))
	}
}

// A model the data cannot meet within the suppression limit is refused with the engine's
// message naming it; nothing is recorded.
func TestUnsatisfiableIsRefused(t *testing.T) {
	s := newShop(manifest.Default())
	s.populate(30)
	svc := s.service()
	spec := anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender"}, K: 40}
	_, err := svc.Release(ctx, spec, anonexport.ReleaseOptions{Actor: "op_1"})
	var ue *anonymise.UnsatisfiableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "anonymised export of 30 people: search: 40-anonymity cannot be met within the suppression limit of 0%") {
		t.Fatalf("unsatisfiable: %v", err)
	}
	spec = anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:address.city"}, Sensitive: "trait:gender", K: 2, L: 3}
	if _, err := svc.Preview(ctx, spec); !errors.Is(err, anonymise.ErrUnsatisfiable) || !strings.Contains(err.Error(), "distinct 3-diversity of trait:gender") {
		t.Fatalf("l-diversity over two genders: %v", err)
	}
	if len(s.recorded) != 0 {
		t.Fatal("a refused release was recorded")
	}
	s.refused = map[string]bool{}
	for id := range s.people {
		s.refused[id] = true
	}
	if _, err := svc.Preview(ctx, anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender"}, K: 2}); !errors.Is(err, anonexport.ErrNoPeople) {
		t.Fatalf("nobody consents: %v", err)
	}
}

// Requests are checked before any data is read, each refusal naming what is wrong.
func TestSpecChecks(t *testing.T) {
	s := newShop(manifest.Default())
	s.populate(10)
	svc := s.service()
	half, two := 0.5, 2.0
	base := anonexport.Spec{Purpose: "analytics.reporting", QuasiIdentifiers: []string{"trait:gender"}, K: 2}
	for _, c := range []struct {
		edit func(*anonexport.Spec)
		want string
	}{
		{func(s *anonexport.Spec) { s.QuasiIdentifiers = nil }, "name at least one quasi-identifier"},
		{func(s *anonexport.Spec) { s.K = 1 }, "k must be at least 2"},
		{func(s *anonexport.Spec) { s.Suppression = 1 }, "suppression must be a share in [0, 1), got 1"},
		{func(s *anonexport.Spec) { s.QuasiIdentifiers = []string{"trait:gender", "trait:gender"} }, `"trait:gender" named twice`},
		{func(s *anonexport.Spec) { s.Sensitive = "trait:gender" }, "both a quasi-identifier and the sensitive attribute"},
		{func(s *anonexport.Spec) { s.Metric = "speed" }, `unknown metric "speed"`},
		{func(s *anonexport.Spec) { s.L, s.Sensitive = 1, "trait:address.city" }, "l must be at least 2"},
		{func(s *anonexport.Spec) { s.L, s.LVariant, s.Sensitive = 2, "recursive", "trait:address.city" }, "needs a positive c"},
		{func(s *anonexport.Spec) { s.L, s.LVariant, s.Sensitive = 2, "fuzzy", "trait:address.city" }, `unknown l-diversity variant "fuzzy"`},
		{func(s *anonexport.Spec) { s.T = &two; s.Sensitive = "trait:address.city" }, "t must be in [0, 1], got 2"},
		{func(s *anonexport.Spec) { s.T = &half }, "name one"},
		{func(s *anonexport.Spec) { s.QuasiIdentifiers = []string{"trait:nosuch"} }, `"trait:nosuch" is not a column`},
		{func(s *anonexport.Spec) {
			s.QuasiIdentifiers = []string{"trait:gender", "trait:age", "trait:createdAt", "trait:address.city", "tag:recent_buyer", "trait:address.state", "trait:address.country", "attribute:" + orders90, "attribute:" + revenue90}
		}, "at most 8 quasi-identifiers"},
	} {
		spec := base
		c.edit(&spec)
		_, err := svc.Preview(ctx, spec)
		if !errors.Is(err, anonexport.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v (want %q)", spec, err, c.want)
		}
	}
	if _, err := svc.Release(ctx, base, anonexport.ReleaseOptions{Actor: "op_1", Format: "xml"}); !errors.Is(err, anonexport.ErrInvalid) {
		t.Fatalf("format xml: %v", err)
	}
	if _, err := svc.Release(ctx, base, anonexport.ReleaseOptions{}); !errors.Is(err, anonexport.ErrInvalid) {
		t.Fatalf("no actor: %v", err)
	}
}
