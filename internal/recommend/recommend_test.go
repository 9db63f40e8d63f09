package recommend_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/recommend"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// shop is an in-memory Source, Changes, Identities and Index: people by subject id, each
// with what they did; permission follows a real consent ledger when one is set.
type shop struct {
	mu     sync.Mutex
	people map[string][]recommend.Interaction
	items  map[string]recommend.ItemInfo
	ledger *consent.Ledger
	cur    func() *regime.Regime
}

func newShop() *shop {
	return &shop{people: map[string][]recommend.Interaction{}, items: map[string]recommend.ItemInfo{}}
}

func (s *shop) did(subject string, kind recommend.Kind, items ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(s.people[subject])) * time.Minute)
	for i, it := range items {
		s.people[subject] = append(s.people[subject], recommend.Interaction{Item: it, Kind: kind, At: at.Add(time.Duration(i) * time.Second)})
	}
}

func (s *shop) Read(ctx context.Context, subjectID string, after int64) (recommend.Read, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.people[subjectID]
	if !ok {
		return recommend.Read{}, false, nil
	}
	permitted := true
	if s.ledger != nil {
		st, err := s.ledger.Current(ctx, subjectID)
		if err != nil {
			return recommend.Read{}, false, err
		}
		permitted = recommend.Permits(s.cur(), st, recommend.PurposeRecommend)
	}
	r := recommend.Read{Family: []string{subjectID}, LastSeq: 1, Permitted: permitted, Aggregate: slices.Clone(h), Items: s.items}
	if permitted {
		r.Personal = slices.Clone(h)
	}
	return r, true, nil
}

func (s *shop) LiveSubjects(_ context.Context, after string, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.people {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids[:min(limit, len(ids))], nil
}

func (s *shop) ChangedSubjects(context.Context, int64, int) ([]string, int64, error) {
	return nil, 0, nil
}

// Identities: anonymousId "anon-X" is subject "X".
func (s *shop) LookupIdentities(_ context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	out := map[store.IdentityKey]string{}
	for _, k := range keys {
		id := strings.TrimPrefix(k.Hash, k.Kind+":anon-")
		if _, ok := s.people[id]; ok {
			out[k] = id
		}
	}
	return out, nil
}

func (s *shop) Index(kind, v string) ([]byte, error) { return []byte(kind + ":" + v), nil }

type always bool

func (a always) Permits(context.Context, string) (bool, error) { return bool(a), nil }

func newRecommender(t *testing.T, s *shop, p recommend.Permission, minPeople int) *recommend.Recommender {
	t.Helper()
	r, err := recommend.New(recommend.Config{Changes: s, Source: s, Identities: s, Index: s, Permission: p, MinPeople: minPeople})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func ask(t *testing.T, r *recommend.Recommender, subject, lang string) recommend.Result {
	t.Helper()
	res, err := r.Recommend(context.Background(), recommend.Request{AnonymousID: "anon-" + subject, Slot: "home", N: 5, Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ids(res recommend.Result) string {
	var out []string
	for _, it := range res.Items {
		p := ""
		if it.Personalised {
			p = "*"
		}
		out = append(out, it.ID+p)
	}
	return strings.Join(out, ",")
}

// Item-to-item co-occurrence: three shoppers viewed the stroller with the car seat; a
// fourth who viewed only the stroller is offered the car seat, labelled and explained; a
// pair fewer than MinPeople shoppers share is never used (it would tell on them).
func TestCoOccurrenceWithLabelAndReason(t *testing.T) {
	s := newShop()
	s.items["stroller"] = recommend.ItemInfo{Name: "婴儿推车", Category: "baby"}
	for _, p := range []string{"a", "b", "c"} {
		s.did(p, recommend.Viewed, "stroller", "carseat")
	}
	s.did("a", recommend.Bought, "bottle")
	s.did("b", recommend.Viewed, "bottle")
	s.did("d", recommend.Viewed, "stroller")
	r := newRecommender(t, s, always(true), 3)

	res := ask(t, r, "d", "zh-CN")
	if !res.Personalised || len(res.Items) == 0 || res.Items[0].ID != "carseat" || !res.Items[0].Personalised {
		t.Fatalf("d gets %s", ids(res))
	}
	it := res.Items[0]
	if it.Label != "个性化推荐" || it.Reason != "因为您浏览过“婴儿推车”" || res.Explanation != "/algorithms#recommender" {
		t.Fatalf("label %q, reason %q, explanation %q", it.Label, it.Reason, res.Explanation)
	}
	// bottle was seen with the stroller by two shoppers only: never a personalised result.
	for _, x := range res.Items {
		if x.ID == "bottle" && x.Personalised {
			t.Fatalf("a pair of two shoppers was used: %s", ids(res))
		}
	}
	// The rest are popular items, labelled as not personalised.
	for _, x := range res.Items[1:] {
		if x.Personalised || x.Label != "热门商品（非个性化）" {
			t.Fatalf("fill item %+v", x)
		}
	}
	if en := ask(t, r, "d", "en").Items[0]; en.Label != "Recommended for you" || en.Reason != "Because you viewed “婴儿推车”" {
		t.Fatalf("en: %+v", en)
	}

	// With a higher bar the pair no longer counts, so nothing is personalised.
	strict := newRecommender(t, s, always(true), 4)
	if res := ask(t, strict, "d", "en"); res.Personalised {
		t.Fatalf("MinPeople 4: %s", ids(res))
	}
}

// Without personalisation everyone gets the same items (PT-03: two different profiles, the
// same explicit context, identical results), and unknown visitors get them too.
func TestNonPersonalisedIsTheSameForEveryone(t *testing.T) {
	s := newShop()
	for _, p := range []string{"a", "b", "c"} {
		s.did(p, recommend.Viewed, "stroller", "carseat", "bottle")
	}
	s.did("d", recommend.Bought, "stroller")
	s.did("e", recommend.Viewed, "bottle")
	r := newRecommender(t, s, always(false), 3)
	d, e, stranger := ask(t, r, "d", "en"), ask(t, r, "e", "en"), ask(t, r, "nobody", "en")
	if d.Personalised || ids(d) != ids(e) || ids(d) != ids(stranger) || len(d.Items) != 3 {
		t.Fatalf("d %s, e %s, stranger %s", ids(d), ids(e), ids(stranger))
	}
	if d.Label != "Popular now (not personalised)" || d.Items[0].Reason != "Popular with shoppers here" {
		t.Fatalf("labels: %+v", d)
	}
}

// Items of a sensitive product category never anchor a recommendation nor are recommended
// on a person's history (SG-01): the pregnancy test a shopper bought says nothing to them.
func TestSensitiveItemsAreNeverUsedOnAPerson(t *testing.T) {
	s := newShop()
	s.items["ptest"] = recommend.ItemInfo{Name: "pregnancy test", Category: "health"}
	s.items["vitamins"] = recommend.ItemInfo{Name: "prenatal vitamins", Category: "health"}
	for _, p := range []string{"a", "b", "c"} {
		s.did(p, recommend.Bought, "ptest", "crib", "vitamins")
	}
	s.did("d", recommend.Bought, "ptest")
	s.did("e", recommend.Bought, "crib")
	r := newRecommender(t, s, always(true), 3)
	if res := ask(t, r, "d", "en"); res.Personalised {
		t.Fatalf("a health purchase anchored %s", ids(res))
	}
	for _, it := range ask(t, r, "e", "en").Items {
		if it.Personalised && (it.ID == "ptest" || it.ID == "vitamins") {
			t.Fatalf("health item recommended on a history: %+v", it)
		}
	}
}

// Erasure takes a person's contribution out at once: the pair they made no longer counts.
func TestForgetTakesTheContributionOut(t *testing.T) {
	s := newShop()
	for _, p := range []string{"a", "b", "c"} {
		s.did(p, recommend.Viewed, "stroller", "carseat")
	}
	s.did("d", recommend.Viewed, "stroller")
	r := newRecommender(t, s, always(true), 3)
	if res := ask(t, r, "d", "en"); !res.Personalised {
		t.Fatalf("before: %s", ids(res))
	}
	r.Forget("a")
	if res := ask(t, r, "d", "en"); res.Personalised {
		t.Fatalf("after a was forgotten the pair still counts: %s", ids(res))
	}
}

type recorder struct {
	mu     sync.Mutex
	leaves []audit.Event
	people [][]string
}

func (r *recorder) RecordAudience(_ context.Context, e audit.Event, ids []string) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leaves, r.people = append(r.leaves, e), append(r.people, ids)
	return uint64(len(r.leaves)), nil
}

func openLedger(t *testing.T) (*consent.Ledger, func() *regime.Regime) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := regime.New(manifest.Default(), 1, nil)
	cur := func() *regime.Regime { return r }
	return consent.New(consent.Config{Store: st, Regime: cur}), cur
}

// Acceptance (issue 24): a person who turns personalisation off gets non-personalised items
// on the very next call — the check's cache is dropped when the ledger records the change,
// not when a TTL runs out (the TTL here is an hour). The request-time check alone does it:
// the model is not told here. Uses are recorded as audience leaves.
func TestOptedOutGetsNonPersonalisedAtOnce(t *testing.T) {
	ctx := context.Background()
	ledger, cur := openLedger(t)
	s := newShop()
	s.ledger, s.cur = ledger, cur
	meta := consent.Meta{Method: store.MethodPrivacyCenter}
	for _, p := range []string{"a", "b", "c", "d"} {
		if err := ledger.SetAll(ctx, p, []string{"personalize.content", "analytics.reporting"}, true, meta); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"a", "b", "c"} {
		s.did(p, recommend.Viewed, "stroller", "carseat")
	}
	s.did("d", recommend.Viewed, "stroller")
	check := recommend.NewConsentCheck(recommend.CheckConfig{Ledger: ledger, Regime: cur, TTL: time.Hour})
	rec := &recorder{}
	r, err := recommend.New(recommend.Config{Changes: s, Source: s, Identities: s, Index: s, Permission: check, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	ledger.OnChange(func(_ context.Context, id string) { check.Invalidate(id) })
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if res := ask(t, r, "d", "en"); !res.Personalised || res.Items[0].ID != "carseat" {
		t.Fatalf("before: %s", ids(res))
	}
	if err := ledger.SetPersonalisation(ctx, "d", false, meta); err != nil {
		t.Fatal(err)
	}
	off := ask(t, r, "d", "en")
	if off.Personalised || off.Label != "Popular now (not personalised)" {
		t.Fatalf("the next call after turning personalisation off: %+v", off)
	}
	if other := ask(t, r, "nobody", "en"); ids(off) != ids(other) {
		t.Fatalf("opted out %s differs from a stranger's %s", ids(off), ids(other))
	}
	// Back on: personalised again at once (the switch restores the consent it took; the
	// model still held the history, as nobody told it).
	if err := ledger.SetPersonalisation(ctx, "d", true, meta); err != nil {
		t.Fatal(err)
	}
	if res := ask(t, r, "d", "en"); !res.Personalised {
		t.Fatalf("after turning it back on: %s", ids(res))
	}
	// A withdrawal of the purpose itself works the same way.
	if err := ledger.Withdraw(ctx, "d", "personalize.content", meta); err != nil {
		t.Fatal(err)
	}
	if res := ask(t, r, "d", "en"); res.Personalised {
		t.Fatalf("after withdrawing consent: %s", ids(res))
	}

	if err := r.FlushRecords(ctx); err != nil {
		t.Fatal(err)
	}
	uses := map[string][]string{}
	for i, l := range rec.leaves {
		if l.Act != recommend.ActRecommendation || l.Purpose != "personalize.content" {
			t.Fatalf("leaf %+v", l)
		}
		uses[l.Detail["use"]] = rec.people[i]
	}
	if !slices.Equal(uses["served"], []string{"d"}) || len(uses["model"]) != 4 {
		t.Fatalf("recorded %v", uses)
	}
}

// The model itself lets go too: read again after the change (Touch, wired to the ledger's
// OnChange in the app), it holds no history of a person it may not use, so even a check
// that said yes would find nothing personal.
func TestTouchDropsTheHistoryOfAnOptedOutPerson(t *testing.T) {
	ctx := context.Background()
	ledger, cur := openLedger(t)
	s := newShop()
	s.ledger, s.cur = ledger, cur
	meta := consent.Meta{Method: store.MethodPrivacyCenter}
	for _, p := range []string{"a", "b", "c", "d"} {
		if err := ledger.Grant(ctx, p, "personalize.content", meta); err != nil {
			t.Fatal(err)
		}
		s.did(p, recommend.Viewed, "stroller", "carseat")
	}
	s.did("e", recommend.Viewed, "stroller")
	if err := ledger.Grant(ctx, "e", "personalize.content", meta); err != nil {
		t.Fatal(err)
	}
	r := newRecommender(t, s, always(true), 3)
	if res := ask(t, r, "e", "en"); !res.Personalised {
		t.Fatalf("before: %s", ids(res))
	}
	// a, b and c turn personalisation off: their pairs leave the model, e has nothing left.
	for _, p := range []string{"a", "b", "e"} {
		if err := ledger.SetPersonalisation(ctx, p, false, meta); err != nil {
			t.Fatal(err)
		}
		if err := r.Touch(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if res := ask(t, r, "e", "en"); res.Personalised {
		t.Fatalf("the model kept the history of an opted-out person: %s", ids(res))
	}
}

// Without the ledger's word the cache would hold: the check with a long TTL keeps a state
// until told (this is what Invalidate is for), and re-reads it once the TTL passes.
func TestConsentCheckCachesUntilInvalidatedOrExpired(t *testing.T) {
	ctx := context.Background()
	ledger, cur := openLedger(t)
	meta := consent.Meta{Method: store.MethodPrivacyCenter}
	if err := ledger.Grant(ctx, "p", "personalize.content", meta); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	check := recommend.NewConsentCheck(recommend.CheckConfig{Ledger: ledger, Regime: cur, TTL: time.Minute, Now: func() time.Time { return now }})
	if ok, err := check.Permits(ctx, "p"); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := ledger.SetPersonalisation(ctx, "p", false, meta); err != nil {
		t.Fatal(err)
	}
	if ok, _ := check.Permits(ctx, "p"); !ok {
		t.Fatal("the cached state was not used (the test cannot show invalidation matters)")
	}
	now = now.Add(time.Minute)
	if ok, _ := check.Permits(ctx, "p"); ok {
		t.Fatal("a state older than the TTL was used")
	}
	if err := ledger.SetPersonalisation(ctx, "p", true, meta); err != nil {
		t.Fatal(err)
	}
	check.Invalidate("p")
	if ok, _ := check.Permits(ctx, "p"); !ok {
		t.Fatal("an invalidated state was used")
	}
	if ok, _ := check.Permits(ctx, "nobody"); ok {
		t.Fatal("a person without consent is permitted")
	}
}

// A change recorded through another node reaches this node's check by the consent-change
// feed it follows, well before the (long) TTL: two checks over one store, the change made
// through the first, the second told nothing directly.
func TestWatchDropsChangesMadeElsewhere(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r := regime.New(manifest.Default(), 1, nil)
	cur := func() *regime.Regime { return r }
	nodeA := consent.New(consent.Config{Store: st, Regime: cur})
	nodeB := consent.New(consent.Config{Store: st, Regime: cur})
	meta := consent.Meta{Method: store.MethodPrivacyCenter}
	if err := nodeA.Grant(ctx, "p", "personalize.content", meta); err != nil {
		t.Fatal(err)
	}
	check := recommend.NewConsentCheck(recommend.CheckConfig{Ledger: nodeB, Regime: cur, TTL: time.Hour})
	watched := make(chan error, 1)
	go func() { watched <- check.Watch(ctx, st, 20*time.Millisecond) }()
	if ok, _ := check.Permits(ctx, "p"); !ok {
		t.Fatal("not permitted before")
	}
	time.Sleep(50 * time.Millisecond) // the watcher has started at the feed's end
	if err := nodeA.SetPersonalisation(ctx, "p", false, meta); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		ok, err := check.Permits(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a change made through another node was never seen")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-watched; err != context.Canceled {
		t.Fatalf("Watch returned %v", err)
	}
}
