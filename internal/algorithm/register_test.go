package algorithm_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/algorithm"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

type recorded struct{ events []audit.Event }

func (r *recorded) Record(_ context.Context, e audit.Event) error {
	r.events = append(r.events, e)
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func open(t *testing.T) (*algorithm.Register, *recorded, *clock) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rec, c := &recorded{}, &clock{time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	return algorithm.New(algorithm.Config{Store: st, Recorder: rec, Now: c.now}), rec, c
}

func described() algorithm.Algorithm {
	return algorithm.Algorithm{ID: "recommender", Kind: algorithm.Recommendation, Purpose: "personalize.content", Owner: "steward/recommend",
		Name: algorithm.Text{EN: "Recommender", ZH: "推荐"}, Principles: algorithm.Text{EN: "p", ZH: "原则"},
		Intent: algorithm.Text{EN: "i", ZH: "目的"}, Mechanism: algorithm.Text{EN: "m", ZH: "机制"}, OptOut: algorithm.Text{EN: "o", ZH: "关闭"},
		Inputs: []algorithm.Input{{Category: "user.behavior.browsing_history", What: algorithm.Text{EN: "views", ZH: "浏览"}}}}
}

// The code describes its algorithms; an operator adds a filing number to one of those and
// registers another whole; anything incomplete is refused naming the field (issue 24 item 2).
func TestRegisterPutAndList(t *testing.T) {
	ctx := context.Background()
	reg, rec, _ := open(t)
	reg.Add(described)
	reg.AddSet(func() []algorithm.Algorithm { return algorithm.ProfileTags(manifest.Default().Tags) })

	list, err := reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, e := range list {
		ids = append(ids, e.ID)
		if e.Source != "steward" || e.Status != algorithm.StatusUnassessed {
			t.Errorf("%s: source %s, status %s", e.ID, e.Source, e.Status)
		}
		if err := algorithm.Check(e.Algorithm); err != nil {
			t.Errorf("described algorithm is incomplete: %v", err)
		}
	}
	// The default manifest's statistical and model tags, not its rule tag.
	if got := strings.Join(ids, ","); got != "recommender,tag.high_spender,tag.likely_to_buy" {
		t.Fatalf("register lists %s", got)
	}

	if _, err := reg.Put(ctx, algorithm.Algorithm{ID: "recommender", FilingNumber: "网信算备310115000000001230001号"}, "op_1"); err != nil {
		t.Fatal(err)
	}
	e, err := reg.Get(ctx, "recommender")
	if err != nil || e.FilingNumber != "网信算备310115000000001230001号" || e.Principles.EN != "p" {
		t.Fatalf("after setting the filing number: %+v, %v", e, err)
	}
	// What the code does is the code's to say.
	changed := described()
	changed.Principles.EN = "something else"
	if _, err := reg.Put(ctx, changed, "op_1"); !errors.Is(err, algorithm.ErrDescribedByCode) {
		t.Fatalf("rewriting a described algorithm: %v", err)
	}

	bid := described()
	bid.ID, bid.Kind, bid.Owner = "bid_ranking", algorithm.Ranking, "ads team"
	bid.OptOut.ZH = ""
	_, err = reg.Put(ctx, bid, "op_1")
	if !errors.Is(err, algorithm.ErrInvalid) || !strings.Contains(err.Error(), "opt_out") {
		t.Fatalf("incomplete description: %v", err)
	}
	bid.OptOut.ZH = "关闭"
	if _, err := reg.Put(ctx, bid, "op_1"); err != nil {
		t.Fatal(err)
	}
	if e, err := reg.Get(ctx, "bid_ranking"); err != nil || e.Source != "operator" || e.Kind != algorithm.Ranking {
		t.Fatalf("operator's algorithm: %+v, %v", e, err)
	}
	if _, err := reg.Get(ctx, "nope"); !errors.Is(err, algorithm.ErrNotFound) {
		t.Fatalf("unknown algorithm: %v", err)
	}
	if len(rec.events) != 2 || rec.events[0].Act != algorithm.ActRegister || rec.events[0].Detail["algorithm"] != "recommender" {
		t.Fatalf("recorded %+v", rec.events)
	}
}

// Reviews at least yearly (AD-04): an algorithm never assessed is flagged, an assessment
// makes it current, it is due soon a month before the next review and overdue after; a
// next review more than a year away is refused.
func TestAssessmentsAndReminders(t *testing.T) {
	ctx := context.Background()
	reg, rec, c := open(t)
	reg.Add(described)
	if rs, _ := reg.Reminders(ctx); len(rs) != 1 || rs[0].Status != algorithm.StatusUnassessed {
		t.Fatalf("reminders before any review: %+v", rs)
	}
	_, err := reg.Assess(ctx, "recommender", algorithm.AssessmentInput{Outcome: algorithm.Approved, Summary: "ok",
		NextDue: c.t.Add(400 * 24 * time.Hour)}, "op_1")
	if !errors.Is(err, algorithm.ErrInvalid) || !strings.Contains(err.Error(), "yearly") {
		t.Fatalf("next review after more than a year: %v", err)
	}
	if _, err := reg.Assess(ctx, "recommender", algorithm.AssessmentInput{Outcome: "fine", Summary: "ok"}, "op_1"); !errors.Is(err, algorithm.ErrInvalid) {
		t.Fatalf("unknown outcome: %v", err)
	}
	if _, err := reg.Assess(ctx, "nope", algorithm.AssessmentInput{Outcome: algorithm.Approved, Summary: "ok"}, "op_1"); !errors.Is(err, algorithm.ErrNotFound) {
		t.Fatalf("unknown algorithm: %v", err)
	}
	a, err := reg.Assess(ctx, "recommender", algorithm.AssessmentInput{Outcome: algorithm.Approved, Summary: "no addiction design, no sensitive inputs", Reference: "PIA-7"}, "op_1")
	if err != nil || !a.NextDue.Equal(c.t.Add(365*24*time.Hour)) || a.Reviewer != "op_1" {
		t.Fatalf("assessment = %+v, %v", a, err)
	}
	for _, step := range []struct {
		after time.Duration
		want  algorithm.Status
	}{{0, algorithm.StatusCurrent}, {334 * 24 * time.Hour, algorithm.StatusCurrent}, {336 * 24 * time.Hour, algorithm.StatusDueSoon}, {365 * 24 * time.Hour, algorithm.StatusOverdue}} {
		c.t = a.ReviewedAt.Add(step.after)
		e, _ := reg.Get(ctx, "recommender")
		if e.Status != step.want || e.Last == nil || e.Last.ID != a.ID {
			t.Errorf("%v after the review: %s, want %s", step.after, e.Status, step.want)
		}
	}
	if as, err := reg.Assessments(ctx, "recommender"); err != nil || len(as) != 1 || as[0].Reference != "PIA-7" {
		t.Fatalf("assessments = %+v, %v", as, err)
	}
	if last := rec.events[len(rec.events)-1]; last.Detail["change"] != "assessment" || last.Detail["outcome"] != "approved" {
		t.Fatalf("assessment not recorded: %+v", last)
	}
}

type names struct{}

func (names) PurposeName(k, lang string) string  { return lang + ":" + k }
func (names) CategoryName(k, lang string) string { return lang + ":" + k }

func TestPublicInBothLanguages(t *testing.T) {
	reg, _, _ := open(t)
	reg.Add(described)
	for _, lang := range []string{"en", "zh-CN"} {
		pl, err := reg.Public(context.Background(), lang, names{})
		if err != nil || len(pl.Algorithms) != 1 {
			t.Fatal(pl, err)
		}
		p := pl.Algorithms[0]
		want := map[string]string{"en": "Recommender", "zh-CN": "推荐"}[lang]
		if p.Name != want || p.PurposeName != lang+":personalize.content" || p.Inputs[0].CategoryName != lang+":user.behavior.browsing_history" {
			t.Errorf("%s: %+v", lang, p)
		}
	}
}
