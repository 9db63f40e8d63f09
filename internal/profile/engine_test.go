package profile_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// fakeSource serves people from memory; every purpose is permitted unless listed in deny.
type fakeSource struct {
	mu     sync.Mutex
	people map[string][]profile.Event
	traits map[string]map[string]expr.Value
	age    map[string]int
	deny   map[string]bool // subject → nothing permitted, no basis
	flags  map[string]profile.Standing
	facts  map[string]int // Facts calls per person
}

func (f *fakeSource) Facts(_ context.Context, id string, after int64) (profile.Facts, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.facts != nil {
		f.facts[id]++
	}
	evs, ok := f.people[id]
	if !ok {
		return profile.Facts{}, false, nil
	}
	out := profile.Facts{Traits: f.traits[id], LastSeq: after, Family: []string{id}}
	for _, e := range evs {
		if e.Seq > after {
			out.Events = append(out.Events, e)
			out.LastSeq = e.Seq
		}
	}
	if a, ok := f.age[id]; ok {
		out.Age, out.AgeKnown = a, true
	}
	return out, true, nil
}

func (f *fakeSource) Standing(_ context.Context, id string, _ profile.Facts, purposes []string) (profile.Standing, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := profile.Standing{Basis: map[string]bool{}, Permitted: map[string]bool{}}
	if fl, ok := f.flags[id]; ok {
		st.Objection, st.PersonalisationOff = fl.Objection, fl.PersonalisationOff
	}
	for _, p := range []string{"personalize.content", "marketing.advertising.profiling"} {
		st.Basis[p] = !f.deny[id]
		st.Permitted[p] = !f.deny[id] && !st.PersonalisationOff && !st.Objection
	}
	return st, nil
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t   *testing.T
	st  store.Store
	src *fakeSource
	clk *clock
	seq int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, st: st, clk: &clock{now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)},
		src: &fakeSource{people: map[string][]profile.Event{}, traits: map[string]map[string]expr.Value{}, age: map[string]int{},
			deny: map[string]bool{}, flags: map[string]profile.Standing{}}}
}

// event stores an event row (so ChangedSubjects sees it) and gives the source its facts.
func (f *fixture) event(id, name string, ago time.Duration, props map[string]float64) {
	f.t.Helper()
	ctx := context.Background()
	f.src.mu.Lock()
	_, known := f.src.people[id]
	f.src.mu.Unlock()
	if !known {
		if err := f.st.InTx(ctx, func(tx store.Tx) error {
			return tx.CreateSubjects(ctx, []store.Subject{{ID: id, SourceID: "src", CreatedAt: f.clk.Now()}})
		}); err != nil {
			f.t.Fatal(err)
		}
	}
	f.seq++
	msg := id + "-" + name + "-" + time.Duration(f.seq).String()
	if _, err := f.st.InsertEvents(ctx, []store.Event{{SourceID: "src", MessageID: msg, SubjectID: id, Type: "track", Name: name,
		OccurredAt: f.clk.Now().Add(-ago), ReceivedAt: f.clk.Now(), Body: []byte("sealed")}}); err != nil {
		f.t.Fatal(err)
	}
	raw, err := f.st.RawSubjectEvents(ctx, id, 0, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	f.src.mu.Lock()
	f.src.people[id] = append(f.src.people[id], profile.Event{Seq: raw[len(raw)-1].Seq, Name: name, At: f.clk.Now().Add(-ago), Props: props})
	f.src.mu.Unlock()
}

func (f *fixture) engine() *profile.Engine {
	f.t.Helper()
	e, err := profile.New(profile.Config{Store: f.st, Source: f.src, Manifest: manifest.Default, Now: f.clk.Now,
		Advertising: func(p string) bool { return p == "marketing.advertising.profiling" }})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := e.Load(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func carries(e *profile.Engine, id, tag string) bool {
	for _, a := range e.TagsOf(id, "en", false) {
		if a.Tag.Name == tag {
			return true
		}
	}
	return false
}

// Expired tag values vanish on their own: the retention job removes a value TTL after it
// was computed, even though nothing else happened (issue 8 item 2, fake clock).
func TestTagValuesExpireAfterTTL(t *testing.T) {
	f := newFixture(t)
	f.event("s1", "Order Completed", time.Hour, map[string]float64{"revenue": 100})
	f.event("s1", "Order Completed", 2*time.Hour, map[string]float64{"revenue": 100})
	e := f.engine()
	if !carries(e, "s1", "repeat_buyer") {
		t.Fatal("repeat_buyer not computed")
	}
	v, _ := e.Tag("repeat_buyer")
	if v.Coverage != 1 || v.NextExpiry == nil || !v.NextExpiry.Equal(f.clk.Now().Add(30*24*time.Hour)) {
		t.Fatalf("tag view %+v", v)
	}
	// A segment of buyers no longer carrying repeat_buyer: its expiry is an entry, told to
	// the journeys waiting on the segment like any other.
	ctx := context.Background()
	if _, err := e.DefineSegment(ctx, profile.SegmentDef{Name: "lapsed", Expression: `count("Order Completed", 3650d) >= 1 and not tag("repeat_buyer")`,
		Purpose: "marketing.advertising.profiling"}, "op"); err != nil {
		t.Fatal(err)
	}
	var entered []string
	e.OnSegmentEntry(func(_ context.Context, segment string, ids []string) {
		if segment == "lapsed" {
			entered = append(entered, ids...)
		}
	})
	f.clk.Add(30*24*time.Hour - time.Second)
	e.Expire(f.clk.Now()) // high_spender (7-day TTL) goes; repeat_buyer (30 days) stays
	if carries(e, "s1", "high_spender") || !carries(e, "s1", "repeat_buyer") {
		t.Fatal("retention job removed the wrong values")
	}
	f.clk.Add(time.Second)
	if n := e.Expire(f.clk.Now()); n < 1 || carries(e, "s1", "repeat_buyer") {
		t.Fatalf("not expired at its TTL: removed %d", n)
	}
	if v, _ := e.Tag("repeat_buyer"); v.Coverage != 0 || v.NextExpiry != nil {
		t.Fatalf("after expiry: %+v", v)
	}
	if len(entered) != 1 || entered[0] != "s1" {
		t.Fatalf("the expiry's segment entry was not told: %v", entered)
	}
	// Thirty days on, the orders have left the 90-day window only partly; a recompute
	// assigns the tag again with a fresh TTL — expiry is about stale values, not a ban.
	if err := e.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !carries(e, "s1", "repeat_buyer") {
		t.Fatal("recompute did not assign again")
	}
	f.clk.Add(61 * 24 * time.Hour) // orders now older than 90 days
	if err := e.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if carries(e, "s1", "repeat_buyer") {
		t.Fatal("tag kept after its window passed")
	}
}

func TestStatisticalAndModelTags(t *testing.T) {
	f := newFixture(t)
	// 20 customers spending 100, 200, … 2000 in the last 90 days: the top 10% are the two
	// biggest spenders.
	for i := 1; i <= 20; i++ {
		id := "c" + time.Duration(i).String()
		f.event(id, "Order Completed", time.Hour, map[string]float64{"revenue": float64(100 * i)})
	}
	// A browser who viewed a lot and added to the cart: the model scores them over 0.5.
	for i := 0; i < 10; i++ {
		f.event("browser", "Product Viewed", time.Duration(i+1)*time.Hour, nil)
	}
	f.event("browser", "Product Added", time.Hour, nil)
	f.event("browser", "Product Added", 2*time.Hour, nil)
	f.event("glance", "Product Viewed", time.Hour, nil)
	e := f.engine()
	var top []string
	for i := 1; i <= 20; i++ {
		if id := "c" + time.Duration(i).String(); carries(e, id, "high_spender") {
			top = append(top, id)
		}
	}
	if len(top) != 2 || top[0] != "c19ns" || top[1] != "c20ns" {
		t.Fatalf("high_spender = %v", top)
	}
	// score = σ(-3 + 0.15·10 + 0.6·2) = σ(-0.3) < 0.5; one more add-to-cart: σ(0.3) > 0.5.
	if carries(e, "browser", "likely_to_buy") {
		t.Fatal("model tag below its threshold")
	}
	f.event("browser", "Product Added", 30*time.Minute, nil)
	if _, err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !carries(e, "browser", "likely_to_buy") || carries(e, "glance", "likely_to_buy") {
		t.Fatal("model tag not assigned after the event that crossed the threshold")
	}
	for _, a := range e.TagsOf("browser", "zh-CN", true) {
		if a.Tag.Name == "likely_to_buy" && (len(a.Evidence) != 4 || a.Evidence[3].Value != "0.574") {
			t.Fatalf("model evidence %+v", a.Evidence)
		}
		// In Chinese, the events are named as the manifest's labels name them to people.
		if a.Tag.Name == "likely_to_buy" && (!strings.Contains(a.Evidence[0].What, "浏览的商品") || strings.Contains(a.Evidence[0].What, "Product Viewed")) {
			t.Fatalf("zh-CN evidence names the raw event: %+v", a.Evidence)
		}
	}
	// Standing: a person who withdrew gets nothing, whatever they did.
	f.src.mu.Lock()
	f.src.deny["c20ns"] = true
	f.src.mu.Unlock()
	if err := e.Touch(context.Background(), "c20ns"); err != nil {
		t.Fatal(err)
	}
	if carries(e, "c20ns", "high_spender") {
		t.Fatal("tag kept after the person's standing changed")
	}
}

// A deleted tag is suppressed in the store: a new engine (restart, other node) does not
// compute it for the person either.
func TestSuppressionSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	f.event("s1", "Order Completed", time.Hour, nil)
	f.event("s1", "Order Completed", 2*time.Hour, nil)
	f.event("s2", "Order Completed", time.Hour, nil)
	f.event("s2", "Order Completed", 2*time.Hour, nil)
	e := f.engine()
	if err := e.Suppress(context.Background(), "s1", "repeat_buyer"); err != nil {
		t.Fatal(err)
	}
	if err := e.Suppress(context.Background(), "s1", "repeat_buyer"); err != profile.ErrNotCarried {
		t.Fatalf("second delete: %v", err)
	}
	f.event("s1", "Order Completed", time.Minute, nil)
	if _, err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	e2 := f.engine()
	for _, eng := range []*profile.Engine{e, e2} {
		if carries(eng, "s1", "repeat_buyer") || !carries(eng, "s2", "repeat_buyer") {
			t.Fatal("suppression not honoured")
		}
		if v, _ := eng.Tag("repeat_buyer"); v.DeletedBy != 1 || v.Coverage != 1 {
			t.Fatalf("tag view %+v", v)
		}
	}
	// Erased elsewhere (another node): the periodic rebuild drops the person.
	f.src.mu.Lock()
	delete(f.src.people, "s2")
	f.src.mu.Unlock()
	if err := f.st.EraseSubjects(context.Background(), []string{"s2"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.PersonOf("s2", nil, nil); ok || carries(e, "s2", "repeat_buyer") {
		t.Fatal("rebuild kept an erased person")
	}
}

// An audience of at least the minimum is released, every member once.
func TestReleaseAtTheFloor(t *testing.T) {
	f := newFixture(t)
	for i := range segment.DefaultMinAudience {
		id := fmt.Sprintf("p%02d", i)
		f.event(id, "Product Viewed", time.Hour, nil)
		f.src.age[id] = 30
	}
	e := f.engine()
	ctx := context.Background()
	if _, err := e.DefineSegment(ctx, profile.SegmentDef{Name: "viewers", Expression: `count("Product Viewed", 30d) >= 1`, Purpose: "marketing.advertising.profiling"}, "op"); err != nil {
		t.Fatal(err)
	}
	rel, err := e.Release(ctx, "viewers", 0, "op")
	if err != nil || len(rel.Subjects) != segment.DefaultMinAudience {
		t.Fatalf("release = %d people, %v", len(rel.Subjects), err)
	}
}

// Segments: matches and the audience for a purpose, with exclusions counted per reason.
func TestSegmentAudienceExclusions(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"ok1", "ok2", "minor", "objector", "off", "nobasis"} {
		f.event(id, "Product Viewed", time.Hour, nil)
	}
	f.src.age["minor"] = 15
	f.src.age["ok1"] = 30
	f.src.flags["objector"] = profile.Standing{Objection: true}
	f.src.flags["off"] = profile.Standing{PersonalisationOff: true}
	f.src.deny["nobasis"] = true
	e := f.engine()
	ctx := context.Background()
	if _, err := e.DefineSegment(ctx, profile.SegmentDef{Name: "viewers", Expression: `count("Product Viewed", 7d) >= 1`,
		Purpose: "marketing.advertising.profiling"}, "op"); err != nil {
		t.Fatal(err)
	}
	v, ok := e.Segment("viewers")
	if !ok || v.Matches != 6 || v.Size != 2 {
		t.Fatalf("segment view %+v", v)
	}
	want := map[string]uint64{"personalisation_off": 1, "objection": 1, "minor": 1, "no_legal_basis": 1}
	for _, x := range v.Excluded {
		if want[x.Reason] != x.Count {
			t.Fatalf("exclusions %+v", v.Excluded)
		}
	}
	// The same people for personalisation: minors stay, objectors to direct marketing too
	// (personalising the shop is not marketing); personalisation off still excludes.
	found := false
	for _, bp := range v.ByPurpose {
		if bp.Purpose == "personalize.content" {
			found = true
			if bp.Size != 4 || bp.Matches != 6 {
				t.Fatalf("personalize.content eligibility %+v", bp)
			}
		}
	}
	if !found {
		t.Fatalf("no personalize.content in %+v", v.ByPurpose)
	}
	if _, err := e.Release(ctx, "viewers", 0, "op"); err == nil {
		t.Fatal("exported 2 people under the minimum of 50")
	}
	// A caller may raise the minimum, never lower it (issue 17).
	if _, err := e.Release(ctx, "viewers", 2, "op"); !errors.Is(err, segment.ErrBelowFloor) {
		t.Fatalf("export k=2: %v; want ErrBelowFloor", err)
	}
	if _, err := e.DefineSegment(ctx, profile.SegmentDef{Name: "bad", Expression: `trait("email") == "x"`, Purpose: "marketing.advertising.profiling"}, "op"); err == nil || !profile.IsDefinitionError(err) {
		t.Fatalf("segment reading email for advertising accepted: %v", err)
	}
	e.Forget("ok1")
	if v, _ := e.Segment("viewers"); v.Matches != 5 || v.Size != 1 {
		t.Fatalf("after forgetting: %+v", v)
	}
}

// Under a heavy ingest a person's events spread over many pages of changes: Sync reloads
// each changed person once per round, not once per page, and still sees every event.
func TestSyncReloadsEachPersonOncePerRound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.event("p0", "Order Completed", time.Hour, nil)
	f.event("p1", "Order Completed", time.Hour, nil)
	f.event("p2", "Order Completed", time.Hour, nil)
	e := f.engine()
	// 12,000 events, the three people interleaved: every page of 5,000 changes has all three.
	var evs []store.Event
	for i := range 12000 {
		evs = append(evs, store.Event{SourceID: "src", MessageID: fmt.Sprintf("bulk-%d", i), SubjectID: fmt.Sprintf("p%d", i%3), Type: "track",
			Name: "Order Completed", OccurredAt: f.clk.Now().Add(-time.Minute), ReceivedAt: f.clk.Now(), Body: []byte("sealed")})
	}
	if _, err := f.st.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	f.src.mu.Lock()
	for _, id := range []string{"p0", "p1", "p2"} {
		raw, err := f.st.RawSubjectEvents(ctx, id, f.src.people[id][0].Seq, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range raw {
			f.src.people[id] = append(f.src.people[id], profile.Event{Seq: r.Seq, Name: r.Name, At: r.OccurredAt})
		}
	}
	f.src.facts = map[string]int{}
	f.src.mu.Unlock()
	n, err := e.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || f.src.facts["p0"] != 1 || f.src.facts["p1"] != 1 || f.src.facts["p2"] != 1 {
		t.Fatalf("Sync did %d reloads, Facts calls %v; want one per person", n, f.src.facts)
	}
	if v, _ := e.Tag("repeat_buyer"); v.Coverage != 3 {
		t.Fatalf("repeat_buyer covers %d people after the bulk, want 3", v.Coverage)
	}
	if n, err := e.Sync(ctx); n != 0 || err != nil {
		t.Fatalf("second Sync: %d, %v", n, err)
	}
}

// TagMembers and SegmentMembers name who carries a tag or matches a segment, with the
// purpose each was built for; they follow the person's standing.
func TestMembers(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"b", "a", "c"} {
		f.event(id, "Order Completed", time.Hour, map[string]float64{"revenue": 10})
		if id != "c" {
			f.event(id, "Order Completed", 2*time.Hour, map[string]float64{"revenue": 10})
		}
	}
	e := f.engine()
	ctx := context.Background()
	if _, err := e.DefineSegment(ctx, profile.SegmentDef{Name: "buyers", Expression: `count("Order Completed", 30d) >= 1`, Purpose: "personalize.content"}, "op"); err != nil {
		t.Fatal(err)
	}
	purpose, ids, ok := e.TagMembers("repeat_buyer")
	if !ok || purpose != "personalize.content" || fmt.Sprint(ids) != "[a b]" {
		t.Fatalf("repeat_buyer members = %q %v %v", purpose, ids, ok)
	}
	purpose, ids, ok = e.SegmentMembers("buyers")
	if !ok || purpose != "personalize.content" || fmt.Sprint(ids) != "[a b c]" {
		t.Fatalf("buyers members = %q %v %v", purpose, ids, ok)
	}
	if _, _, ok := e.TagMembers("nope"); ok {
		t.Fatal("an unknown tag has members")
	}
	if _, _, ok := e.SegmentMembers("nope"); ok {
		t.Fatal("an unknown segment has members")
	}
	f.src.mu.Lock()
	f.src.deny["a"] = true
	f.src.mu.Unlock()
	if err := e.Touch(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, ids, _ := e.TagMembers("repeat_buyer"); fmt.Sprint(ids) != "[b]" {
		t.Fatalf("after a's standing changed: %v", ids)
	}
}
