package stored_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/dp/stored"
	"github.com/stewardhq/steward/internal/manifest"
)

const purpose = "analytics.reporting"

var day0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type fixture struct {
	t    *testing.T
	w    *world
	p    *profiles
	src  *stored.Source
	mseq int64
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, w: newWorld(), p: &profiles{tags: map[string][2]string{}, segs: map[string][2]string{}}, mseq: 1}
	m := manifest.Default()
	src, err := stored.New(stored.Config{Store: f.w, Reader: f.w, Profiles: f.p, Workers: 3,
		Manifest: func() (*manifest.Manifest, int64) { return m, f.mseq }})
	if err != nil {
		t.Fatal(err)
	}
	f.src = src
	return f
}

// person is what People handed over about one person.
type person struct {
	traits map[string]string
	tags   []string
	events []string // "name@day[+props]"
}

func (f *fixture) people(q dp.Query) map[string]person {
	f.t.Helper()
	if q.Purpose == "" {
		q.Purpose = purpose
	}
	out := map[string]person{}
	err := f.src.People(context.Background(), q, func(p *dp.Person) error {
		if _, dup := out[p.ID]; dup {
			return fmt.Errorf("%s yielded twice", p.ID)
		}
		pp := person{traits: maps.Clone(p.Traits), tags: slices.Concat(p.Tags, p.Segments)}
		for _, e := range p.Events {
			s := e.Name + "@" + e.At.Format("01-02")
			for _, k := range slices.Sorted(maps.Keys(e.Props)) {
				s += fmt.Sprintf("+%s=%g", k, e.Props[k])
			}
			pp.events = append(pp.events, s)
		}
		out[p.ID] = pp
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) version(q dp.Query) string {
	f.t.Helper()
	q.Purpose = purpose
	v, err := f.src.Version(context.Background(), q)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func ids(m map[string]person) string { return strings.Join(slices.Sorted(maps.Keys(m)), ",") }

func order(total float64) map[string]any {
	return map[string]any{"properties": map[string]any{"total": total, "currency": "CNY"}}
}

// People are read through the reader under the report's purpose: someone whose consent
// refuses it is not in the data; traits come from identify (with the manifest's short
// names), properties only those asked, events only in the range asked.
func TestPeopleThroughTheReader(t *testing.T) {
	f := newFixture(t)
	f.w.track("s1", "identify", day0, map[string]any{"traits": map[string]any{"address": map[string]any{"city": "上海"}, "age": 31.0}})
	f.w.track("s1", "Order Completed", day0.Add(time.Hour), order(129.5))
	f.w.track("s1", "Order Completed", day0.AddDate(0, 0, 3), order(20))
	f.w.track("s2", "Product Viewed", day0, map[string]any{"properties": map[string]any{"price": 9.9}})
	f.w.track("s3", "Order Completed", day0, order(50))
	f.w.consent("s3", true)

	got := f.people(dp.Query{Event: "Order Completed", Properties: []string{"total"}, Traits: []string{"city"},
		From: day0, To: day0.AddDate(0, 0, 2)})
	if ids(got) != "s1,s2" {
		t.Fatalf("people = %v, want s1 and s2 (s3 refuses the purpose)", ids(got))
	}
	if p := got["s1"]; p.traits["city"] != "上海" || len(p.traits) != 1 || fmt.Sprint(p.events) != "[Order Completed@05-01+total=129.5]" {
		t.Fatalf("s1 = %+v", p)
	}
	if p := got["s2"]; len(p.events) != 0 {
		t.Fatalf("s2 = %+v (nothing in the range asked)", p)
	}
	all := f.people(dp.Query{})
	if fmt.Sprint(all["s1"].events) != "[identify@05-01 Order Completed@05-01 Order Completed@05-04]" {
		t.Fatalf("s1's events unfiltered = %v (no properties asked, none handed over)", all["s1"].events)
	}
	if r := f.w.readsOf(); fmt.Sprint(r) != "map[s1:1 s2:1 s3:1]" {
		t.Fatalf("reads = %v: each person read once, the second report from the cache", r)
	}
	// A person-level query takes no events.
	if pl := f.people(dp.Query{PersonLevel: true, Traits: []string{"address.city"}}); len(pl["s1"].events) != 0 || pl["s1"].traits["address.city"] != "上海" {
		t.Fatalf("person level = %+v", pl)
	}
}

// The cache follows the store: only people with new events or consent records, merged or
// new ones are read again; the erased vanish; the version moves with each change and not
// otherwise.
func TestCacheFollowsChanges(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"s1", "s2", "s3"} {
		f.w.track(id, "Product Viewed", day0, nil)
	}
	f.people(dp.Query{})
	f.w.readsOf()
	v := f.version(dp.Query{})
	if f.people(dp.Query{}); len(f.w.readsOf()) != 0 || f.version(dp.Query{}) != v {
		t.Fatal("nothing changed, yet people were read again or the version moved")
	}
	step := func(what, wantPeople, wantReads string) {
		t.Helper()
		got := f.people(dp.Query{})
		reads := slices.Sorted(maps.Keys(f.w.readsOf()))
		if ids(got) != wantPeople || strings.Join(reads, ",") != wantReads {
			t.Fatalf("after %s: people %s (want %s), re-read %v (want %s)", what, ids(got), wantPeople, reads, wantReads)
		}
		nv := f.version(dp.Query{})
		if nv == v {
			t.Fatalf("after %s the version did not move: %s", what, v)
		}
		v = nv
	}
	f.w.track("s1", "Order Completed", day0, order(10))
	step("a new event", "s1,s2,s3", "s1")
	f.w.consent("s2", true)
	step("a withdrawal", "s1,s3", "s2")
	f.w.consent("s2", false)
	step("a new grant", "s1,s2,s3", "s2")
	f.w.merge("s3", "s1")
	step("a merge", "s1,s2", "s1")
	if evs := f.people(dp.Query{})["s1"].events; len(evs) != 3 {
		t.Fatalf("s1 after the merge = %v, want its own two events and s3's", evs)
	}
	f.w.erase("s2")
	step("an erasure", "s1", "")
	f.w.track("s4", "page", day0, nil)
	step("a new person", "s1,s4", "s4")
	// A new manifest version rebuilds everything.
	f.mseq++
	step("a new manifest", "s1,s4", "s1,s4")
}

// An extract whose key is shredded (erased after the cache was last brought up to date)
// reads as nobody.
func TestShreddedExtractIsNobody(t *testing.T) {
	f := newFixture(t)
	f.w.track("s1", "page", day0, nil)
	f.w.track("s2", "page", day0, nil)
	f.people(dp.Query{})
	f.w.mu.Lock()
	delete(f.w.keys, "s2") // shredded, the rest of the erasure not yet committed
	f.w.mu.Unlock()
	if got := f.people(dp.Query{}); ids(got) != "s1" {
		t.Fatalf("people = %s", ids(got))
	}
}

// On PostgreSQL the cache is rebuilt in full after RebuildEvery, in the background.
func TestRebuildOnPostgres(t *testing.T) {
	w := newWorld()
	w.dialect = "postgres"
	now := day0
	m := manifest.Default()
	src, err := stored.New(stored.Config{Store: w, Reader: w, Manifest: func() (*manifest.Manifest, int64) { return m, 1 },
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	w.track("s1", "page", day0, nil)
	run := func() {
		if err := src.People(context.Background(), dp.Query{Purpose: purpose}, func(*dp.Person) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	run()
	run()
	now = now.Add(59 * time.Minute)
	run()
	if r := w.readsOf(); r["s1"] != 1 {
		t.Fatalf("reads within the hour = %v", r)
	}
	now = now.Add(time.Minute)
	run() // goes on with the cache as it is; the rebuild runs in the background
	deadline := time.Now().Add(5 * time.Second)
	for w.readsOf()["s1"] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no rebuild after an hour")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Tags and segments: only those built for the report's purpose; the version names who is
// in them.
func TestTagsAndSegments(t *testing.T) {
	f := newFixture(t)
	f.w.track("s1", "page", day0, nil)
	f.w.track("s2", "page", day0, nil)
	f.p.tags["loyal"] = [2]string{"analytics.reporting", "s1"}
	f.p.tags["high_spender"] = [2]string{"personalize.content", "s2"}
	f.p.segs["weekly"] = [2]string{"analytics.reporting.cohorts", "s1,s2"}
	q := dp.Query{Purpose: purpose, Tags: []string{"loyal"}, Segments: []string{"weekly"}, DryRun: true}
	if err := f.src.Check(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	got := f.people(q)
	if fmt.Sprint(got["s1"].tags, got["s2"].tags) != "[loyal weekly] [weekly]" {
		t.Fatalf("tags = %v / %v", got["s1"].tags, got["s2"].tags)
	}
	v := f.version(q)
	if plain := f.version(dp.Query{}); !strings.HasPrefix(v, plain+".g") {
		t.Fatalf("version %q does not extend %q with a membership digest", v, plain)
	}
	f.p.tags["loyal"] = [2]string{"analytics.reporting", "s1,s2"}
	if f.version(q) == v {
		t.Fatal("the version did not move when a tag changed hands")
	}
}

// Check refuses before any charge what the purpose may not read or cannot be answered.
func TestCheckRefuses(t *testing.T) {
	f := newFixture(t)
	f.p.tags["high_spender"] = [2]string{"personalize.content", ""}
	for _, c := range []struct {
		q     dp.Query
		field string
		says  string
	}{
		{dp.Query{Purpose: "marketing.nonsense"}, "purpose", "not a purpose"},
		{dp.Query{Event: "Refund Issued"}, "event", "not an event type"},
		{dp.Query{Event: "Segment Consent Preference Updated"}, "event", "read nothing of"},
		{dp.Query{Event: "Order Completed", Properties: []string{"shipping"}}, "property", `no property "shipping" of "Order Completed" events`},
		{dp.Query{Properties: []string{"weight"}}, "property", "any event"},
		{dp.Query{Traits: []string{"email"}}, "group_by", `no trait "email"`},
		{dp.Query{Campaign: true}, "group_by", "campaign"},
		{dp.Query{Tags: []string{"high_spender"}}, "group_by", "built for personalize.content"},
		{dp.Query{Tags: []string{"nope"}}, "group_by", `no tag "nope"`},
		{dp.Query{Segments: []string{"nope"}}, "group_by", `no segment "nope"`},
	} {
		if c.q.Purpose == "" {
			c.q.Purpose = purpose
		}
		err := f.src.Check(context.Background(), c.q)
		var se *dp.SpecError
		if !errors.As(err, &se) || se.Field != c.field || !strings.Contains(err.Error(), c.says) || !errors.Is(err, dp.ErrInvalidSpec) {
			t.Errorf("%+v: %v, want a %s error saying %q", c.q, err, c.field, c.says)
		}
	}
	f.people(dp.Query{})
	f.people(dp.Query{Purpose: "personalize.content"}) // both caches built: Check answers at once
	for _, ok := range []dp.Query{{Event: "Order Completed", Properties: []string{"total"}, Traits: []string{"city", "address.city", "gender"}},
		{Event: "page"}, {Purpose: "personalize.content", Tags: []string{"high_spender"}}} {
		if ok.Purpose == "" {
			ok.Purpose = purpose
		}
		if err := f.src.Check(context.Background(), ok); err != nil {
			t.Errorf("%+v refused: %v", ok, err)
		}
	}
	f.p.notReady = true
	if err := f.src.Check(context.Background(), dp.Query{Purpose: "personalize.content", Tags: []string{"high_spender"}}); !errors.Is(err, dp.ErrSourceUnavailable) {
		t.Fatalf("profiles loading: %v", err)
	}
	noProfiles, _ := stored.New(stored.Config{Store: f.w, Reader: f.w, Manifest: func() (*manifest.Manifest, int64) { return manifest.Default(), 1 }})
	if err := noProfiles.Check(context.Background(), dp.Query{Purpose: purpose, Tags: []string{"x"}}); !errors.Is(err, dp.ErrInvalidSpec) {
		t.Fatalf("no profile engine: %v", err)
	}
}

// The schema lists what the purpose may read: the console offers exactly that.
func TestSchema(t *testing.T) {
	f := newFixture(t)
	sc, err := f.src.Schema(purpose)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var order []string
	for _, e := range sc.Events {
		names = append(names, e.Name)
		if e.Name == "Order Completed" {
			order = e.Properties
		}
	}
	if !slices.Contains(names, "page") || slices.Contains(names, "Segment Consent Preference Updated") ||
		fmt.Sprint(order) != "[currency products revenue total]" || sc.Campaign {
		t.Fatalf("schema = %+v", sc)
	}
	if fmt.Sprint(sc.Traits) != "[address.city address.country address.state age city country createdAt gender state]" {
		t.Fatalf("traits = %v", sc.Traits)
	}
	if _, err := f.src.Schema("nope"); !errors.Is(err, dp.ErrInvalidSpec) {
		t.Fatalf("unknown purpose: %v", err)
	}
}

// Campaigns come from context.campaign.name where the purpose may read it; escaped strings
// and non-numeric properties are read as JSON says.
func TestCampaignsAndValues(t *testing.T) {
	f := newFixture(t)
	f.w.track("s1", "Order Completed", day0, map[string]any{"context": map[string]any{"campaign": map[string]any{"name": "双十一 \"sale\""}},
		"properties": map[string]any{"total": -1.5e2, "coupon": "X1", "items": []any{1.0}, "gift": true}})
	var got []dp.Event
	err := f.src.People(context.Background(), dp.Query{Purpose: purpose, Campaign: true, Properties: []string{"total", "coupon", "items", "gift"}},
		func(p *dp.Person) error { got = append(got, p.Events...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Campaign != `双十一 "sale"` || fmt.Sprint(got[0].Props) != "map[total:-150]" {
		t.Fatalf("events = %+v", got)
	}
}

// A report's data is prepared in the background the first time a purpose is asked for (a
// dry run starts it too): until then a report is refused with ErrSourceUnavailable and
// nothing is charged; a new manifest prepares it again.
func TestPrepareInTheBackground(t *testing.T) {
	f := newFixture(t)
	f.w.track("s1", "page", day0, nil)
	ctx := context.Background()
	if err := f.src.Check(ctx, dp.Query{Purpose: purpose, DryRun: true}); err != nil {
		t.Fatalf("a dry run waits for nothing: %v", err)
	}
	ready := func() bool {
		t.Helper()
		err := f.src.Check(ctx, dp.Query{Purpose: purpose})
		if err != nil && !errors.Is(err, dp.ErrSourceUnavailable) {
			t.Fatal(err)
		}
		return err == nil
	}
	deadline := time.Now().Add(5 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			t.Fatal("never prepared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r := f.w.readsOf(); r["s1"] != 1 {
		t.Fatalf("reads = %v", r)
	}
	if got := f.people(dp.Query{}); ids(got) != "s1" || len(f.w.readsOf()) != 0 {
		t.Fatalf("the report after preparing read again: %v", got)
	}
	f.mseq++
	if err := f.src.Check(ctx, dp.Query{Purpose: purpose}); !errors.Is(err, dp.ErrSourceUnavailable) {
		t.Fatalf("after a new manifest: %v", err)
	}
	for !ready() {
		time.Sleep(5 * time.Millisecond)
	}
}
