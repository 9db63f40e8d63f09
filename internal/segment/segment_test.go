package segment

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stewardhq/steward/internal/segment/expr"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func day(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

// demo: 0 high spender in 上海 with 2 recent purchases (match); 1 same but only one recent
// purchase (one is 40 days old); 2 in 北京; 3 no tag; 4 matches too.
func demoIndex() *MemIndex {
	m := NewMemIndex()
	for id := uint32(0); id < 5; id++ {
		m.AddSubject(id)
	}
	for _, id := range []uint32{0, 1, 2, 4} {
		m.AddTag(id, "high_spender")
	}
	for _, id := range []uint32{0, 1, 3, 4} {
		m.SetTrait(id, "city", Str("上海"))
	}
	m.SetTrait(2, "city", Str("北京"))
	m.SetTrait(0, "age", Num(34))
	m.SetTrait(1, "age", Num(17))
	m.AddEvent(0, "purchase", day(1), map[string]float64{"amount": 120})
	m.AddEvent(0, "purchase", day(3), map[string]float64{"amount": 80})
	m.AddEvent(1, "purchase", day(2), map[string]float64{"amount": 50})
	m.AddEvent(1, "purchase", day(40), map[string]float64{"amount": 500})
	m.AddEvent(2, "purchase", day(1), nil)
	m.AddEvent(2, "purchase", day(2), nil)
	m.AddEvent(3, "purchase", day(1), nil)
	m.AddEvent(3, "purchase", day(2), nil)
	m.AddEvent(4, "purchase", day(5), nil)
	m.AddEvent(4, "purchase", day(6), nil)
	m.AddEvent(4, "purchase", day(7), nil)
	return m
}

func eval(t *testing.T, idx Index, src string) []uint32 {
	t.Helper()
	p, err := CompileString(src)
	if err != nil {
		t.Fatal(err)
	}
	bm, err := Evaluate(context.Background(), p, idx, now)
	if err != nil {
		t.Fatal(err)
	}
	return bm.ToArray()
}

// threeClauses is the 3-clause segment `steward bench segments` measures.
const threeClauses = `tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2`

func TestEvaluate(t *testing.T) {
	m := demoIndex()
	for src, want := range map[string][]uint32{
		threeClauses:                                         {0, 4},
		`count(purchase, 30d) == 1`:                          {1},
		`count(purchase, 30d) in [1, 3]`:                     {1, 4},
		`count(purchase, 30d) < 2`:                           {1},
		`count(purchase, 30d) <= 0`:                          {},
		`count(purchase, 60d) > 1.5`:                         {0, 1, 2, 3, 4},
		`not tag("high_spender")`:                            {3},
		`trait("city") != "上海"`:                              {2},
		`trait("city") in ["北京", "深圳"] or trait("age") < 18`: {1, 2},
		`trait("age") >= 18`:                                 {0},
		`sum(purchase, "amount", 30d) >= 100`:                {0},
		`sum(purchase, "amount", 90d) < 100`:                 {2, 3, 4},
		`last_seen(purchase) <= 2d`:                          {0, 1, 2, 3},
		`last_seen(purchase) > 4d`:                           {4},
		`last_seen(refund) > 1d`:                             {0, 1, 2, 3, 4},
		`(tag("high_spender") or trait("city") == "北京") and not count(purchase, 30d) >= 2`: {1},
	} {
		got := eval(t, m, src)
		if want == nil {
			want = []uint32{}
		}
		if got == nil {
			got = []uint32{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", src, got, want)
		}
	}
}

// TestEvaluateAgreesWithPerSubject: on random data, the bitmap path and the per-subject path
// Live uses give the same answer for every subject and expression.
func TestEvaluateAgreesWithPerSubject(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := NewMemIndex()
	cities := []string{"上海", "北京", "广州"}
	for id := uint32(0); id < 400; id++ {
		m.AddSubject(id)
		if r.IntN(2) == 0 {
			m.AddTag(id, "a")
		}
		if r.IntN(4) > 0 {
			m.SetTrait(id, "city", Str(cities[r.IntN(3)]))
		}
		if r.IntN(3) > 0 {
			m.SetTrait(id, "age", Num(float64(10+r.IntN(50))))
		}
		for k := r.IntN(5); k > 0; k-- {
			m.AddEvent(id, "buy", now.Add(-time.Duration(r.IntN(60*24))*time.Hour), map[string]float64{"amount": float64(r.IntN(100))})
		}
	}
	exprs := []string{
		`tag("a") and trait("city") == "上海" and count(buy, 30d) >= 2`,
		`not tag("a") or count(buy, 7d) != 1`,
		`count(buy, 30d) == 0 or count(buy, 30d) in [2, 4]`,
		`count(buy, 12h) < 1 and trait("age") > 30`,
		`trait("age") <= 20 or trait("city") != "北京"`,
		`sum(buy, "amount", 30d) > 50 and not sum(buy, "amount", 10d) == 0`,
		`last_seen(buy) < 3d or last_seen(buy) >= 40d`,
		`last_seen(buy) != 1d and not (tag("a") or tag("b"))`,
		`trait("city") in ["广州", "上海"] and count(buy, 60d) <= 2.5`,
	}
	for _, src := range exprs {
		p, err := CompileString(src)
		if err != nil {
			t.Fatal(err)
		}
		bm, err := Evaluate(context.Background(), p, m, now)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := Evaluate(context.Background(), p, indexOnly{m}, now) // without NarrowIndex
		if err != nil || !plain.Equals(bm) {
			t.Fatalf("%s: narrowed %v, plain %v (%v)", src, bm.ToArray(), plain.ToArray(), err)
		}
		n := 0
		for id := uint32(0); id < 400; id++ {
			one := matchOne(p.root, m, id, now)
			if one != bm.Contains(id) {
				t.Fatalf("%s: subject %d: bitmap %v, per-subject %v", src, id, bm.Contains(id), one)
			}
			if one {
				n++
			}
		}
		if n == 0 || n == 400 {
			t.Errorf("%s: degenerate test (%d matches)", src, n)
		}
	}
}

// TestLiveRecheckFlipsMembership: a new event makes subject 1 match (issue 8 item 5), an
// old event outside the window does not, and the update is visible immediately.
func TestLiveRecheckFlipsMembership(t *testing.T) {
	ctx := context.Background()
	m := demoIndex()
	p, _ := CompileString(threeClauses)
	live, err := NewLive(ctx, p, m, now)
	if err != nil {
		t.Fatal(err)
	}
	if live.Contains(1) {
		t.Fatal("subject 1 should not match yet")
	}
	m.AddEvent(1, "purchase", day(50), nil) // outside the window
	if d, _ := live.Recheck(ctx, now, 1); len(d.Added) != 0 || live.Contains(1) {
		t.Fatalf("old event changed membership: %+v", d)
	}
	start := time.Now()
	m.AddEvent(1, "purchase", now.Add(-time.Minute), nil)
	d, err := live.Recheck(ctx, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("recheck took %v", el)
	}
	if !slices.Equal(d.Added, []uint32{1}) || !live.Contains(1) {
		t.Fatalf("new event did not add subject 1: %+v", d)
	}
	m.RemoveTag(0, "high_spender")
	d, _ = live.Recheck(ctx, now, 0, 99) // 99 is unknown: never a member
	if !slices.Equal(d.Removed, []uint32{0}) || live.Contains(99) {
		t.Fatalf("tag removal did not remove subject 0: %+v", d)
	}
	full, _ := Evaluate(ctx, p, m, now)
	if !full.Equals(live.Members()) {
		t.Fatalf("live %v != full %v", live.Members().ToArray(), full.ToArray())
	}
	// Sliding window: a day later subject 4's purchases are still inside; 30 days later none.
	if err := live.Refresh(ctx, now.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !live.Members().IsEmpty() {
		t.Fatalf("members after the window slid: %v", live.Members().ToArray())
	}
}

// indexOnly hides MemIndex's per-subject methods to exercise Live's fallback path.
type indexOnly struct{ Index }

func TestLiveFallbackWithoutSubjectIndex(t *testing.T) {
	ctx := context.Background()
	m := demoIndex()
	p, _ := CompileString(threeClauses)
	live, _ := NewLive(ctx, p, indexOnly{m}, now)
	m.AddEvent(1, "purchase", now.Add(-time.Hour), nil)
	d, err := live.Recheck(ctx, now, 1)
	if err != nil || !slices.Equal(d.Added, []uint32{1}) {
		t.Fatalf("fallback recheck: %+v %v", d, err)
	}
}

func bm(ids ...uint32) *roaring.Bitmap { return roaring.BitmapOf(ids...) }

// TestAudienceExclusions checks each exclusion reason on demo data, in order, each person
// counted once under the first reason that removed them (the person's own signals first).
func TestAudienceExclusions(t *testing.T) {
	matches := roaring.New()
	matches.AddRange(0, 100) // 100 matched people
	allowedAds := roaring.New()
	allowedAds.AddRange(0, 90) // 10 without consent: 90..99
	el := Eligibility{
		Allowed: func(purpose string) *roaring.Bitmap {
			if purpose == "advertising" {
				return allowedAds
			}
			return nil // unknown purpose: default deny
		},
		Objections:         bm(1, 2, 3, 95),      // 95 has no consent either: counted as an objection
		Minors:             bm(3, 4, 5, 6),       // 3 objected, 6 turned personalisation off
		PersonalisationOff: bm(6, 7, 8, 200, 99), // 99 has no consent either; 200 never matched
		AdFree:             bm(5, 10, 11, 98),    // privacy subscriptions: 5 is a minor, 98 has no consent
	}
	r := Audience(matches, el, "advertising", true)
	want := []Exclusion{{ReasonPersonalisationOff, 4}, {ReasonObjection, 4}, {ReasonMinor, 2}, {ReasonAdFree, 3}, {ReasonNotAllowed, 7}}
	if !slices.Equal(r.Excluded, want) {
		t.Fatalf("exclusions %v, want %v", r.Excluded, want)
	}
	if r.Audience.Contains(10) || r.Audience.Contains(11) {
		t.Fatal("a privacy subscriber is in an advertising audience")
	}
	if r.Size() != 100-20 || r.Audience.Contains(4) || r.Audience.Contains(7) || !r.Audience.Contains(9) {
		t.Fatalf("audience %d: %v", r.Size(), r.Audience.ToArray())
	}
	// Not an advertising purpose: minors stay (their count is reported as 0).
	el.Allowed = func(string) *roaring.Bitmap { return allowedAds }
	r2 := Audience(matches, el, "service_updates", false)
	if r2.Excluded[2] != (Exclusion{ReasonMinor, 0}) || r2.Excluded[3] != (Exclusion{ReasonAdFree, 0}) || !r2.Audience.Contains(4) || !r2.Audience.Contains(10) {
		t.Fatalf("non-advertising purpose excluded minors: %v", r2.Excluded)
	}
	// Default deny: no basis recorded for the purpose means nobody.
	el.Allowed = nil
	if r3 := Audience(matches, el, "advertising", true); r3.Size() != 0 || r3.Excluded[4] != (Exclusion{ReasonNotAllowed, 87}) {
		t.Fatalf("default deny failed: %+v", r3.Preview())
	}
	p := r.Preview()
	if p.Matches != 100 || p.Size != 80 || len(p.Excluded) != 5 {
		t.Fatalf("preview %+v", p)
	}
}

func TestExportMinimumAudience(t *testing.T) {
	matches := roaring.New()
	matches.AddRange(0, 60)
	all := func(string) *roaring.Bitmap { return matches }
	small := Audience(matches, Eligibility{Allowed: all, Objections: bm(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}, "advertising", true)
	_, err := small.Export(0)
	if !errors.Is(err, ErrAudienceTooSmall) || !strings.Contains(err.Error(), "49 people") || !strings.Contains(err.Error(), "minimum is 50") {
		t.Fatalf("49 people exported: %v", err)
	}
	ok := Audience(matches, Eligibility{Allowed: all}, "advertising", true)
	ids, err := ok.Export(0)
	if err != nil || len(ids) != 60 {
		t.Fatalf("export of 60: %d %v", len(ids), err)
	}
	if _, err := ok.Export(61); !errors.Is(err, ErrAudienceTooSmall) {
		t.Fatalf("k=61 not enforced: %v", err)
	}
}

func TestCompileErrorsKeepPositions(t *testing.T) {
	_, err := CompileString(`tag("a") and count(buy, 30x) >= 1`)
	if err == nil || !strings.HasPrefix(err.Error(), "1:25:") {
		t.Fatalf("error %v", err)
	}
	p, _ := CompileString(`tag("a")   and  tag("b")`)
	if p.String() != `tag("a") and tag("b")` {
		t.Fatal(p.String())
	}
}

func TestCompileChecked(t *testing.T) {
	s := expr.Schema{Tags: map[string]bool{"high_spender": true}, Traits: map[string]expr.Kind{"city": expr.String}, Events: map[string][]string{"purchase": nil}}
	if _, err := CompileChecked(`tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2`, s); err != nil {
		t.Fatal(err)
	}
	_, err := CompileChecked(`tag("vip") and count(purchase, 30d) >= 1`, s)
	if err == nil || err.Error() != `1:5: unknown tag "vip"` {
		t.Fatalf("error %v", err)
	}
}
