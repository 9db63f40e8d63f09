package consent_test

import (
	"context"
	"encoding/json"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var purposes = []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling", "third_party_sharing"}

// Property: across random grant / withdraw / re-consent sequences at random times, the
// state at any past instant equals a reference model replayed up to that instant
// (issue 4 acceptance).
func TestStateAtMatchesReferenceModel(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for seed := int64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewSource(seed))
		subject := "sub_" + string(rune('a'+seed%26)) + string(rune('a'+seed/26))
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		type ev struct {
			at      time.Time
			purpose string
			granted bool
		}
		var evs []ev
		at := base
		for i := 0; i < 5+rng.Intn(30); i++ {
			at = at.Add(time.Duration(1+rng.Intn(72)) * time.Hour)
			evs = append(evs, ev{at, purposes[rng.Intn(len(purposes))], rng.Intn(3) > 0})
		}
		// Record them in a shuffled order of calls (late arrivals), each with its own time.
		order := rng.Perm(len(evs))
		for _, i := range order {
			c := &clock{evs[i].at}
			l := consent.New(consent.Config{Store: st, Now: c.now})
			if err := l.Grant(ctx, subject, "x", consent.Meta{Method: store.MethodBanner}); err != nil {
				t.Fatal(err) // a noise purpose, to show other keys never interfere
			}
			var err error
			if evs[i].granted {
				err = l.Grant(ctx, subject, evs[i].purpose, consent.Meta{Method: store.MethodBanner})
			} else {
				err = l.Withdraw(ctx, subject, evs[i].purpose, consent.Meta{Method: store.MethodPrivacyCenter})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		l := consent.New(consent.Config{Store: st})
		for probe := 0; probe < 25; probe++ {
			q := base.Add(time.Duration(rng.Int63n(int64(at.Sub(base) + 48*time.Hour))))
			want := map[string]bool{}
			for _, e := range evs { // reference: replay in time order
				if !e.at.After(q) {
					want[e.purpose] = e.granted
				}
			}
			// evs are in time order already (at only grows), so the last write wins.
			got, err := l.StateAt(ctx, subject, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range purposes {
				w, known := want[p]
				e, ok := got[p]
				if ok != known || e.Granted != w {
					t.Fatalf("seed %d at %s: %s = %+v (present %v), want %v (present %v)", seed, q, p, e, ok, w, known)
				}
			}
		}
	}
}

// A withdrawal on one node is in force for the next decision on another (no cache here:
// every read folds the ledger).
func TestWithdrawalVisibleOnAnotherNode(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	a, b := consent.New(consent.Config{Store: st}), consent.New(consent.Config{Store: st})
	if err := a.Grant(ctx, "s", "analytics.reporting", consent.Meta{Method: store.MethodBanner}); err != nil {
		t.Fatal(err)
	}
	if s, _ := b.State(ctx, "s"); !s.Granted("analytics.reporting") {
		t.Fatal("grant not visible")
	}
	start := time.Now()
	if err := a.Withdraw(ctx, "s", "analytics.reporting", consent.Meta{Method: store.MethodPrivacyCenter}); err != nil {
		t.Fatal(err)
	}
	s, _ := b.State(ctx, "s")
	if s.Granted("analytics.reporting") || time.Since(start) > time.Second {
		t.Fatalf("withdrawal not in force on the other node within 1 s: %+v", s)
	}
}

func TestPersonalisationOffGPCAndConsentMode(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	c := &clock{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	l := consent.New(consent.Config{Store: st, Now: c.now, Regime: defaultRegime})
	all := []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling", "marketing.advertising.third_party.targeted"}
	if err := l.SetAll(ctx, "s", all, true, consent.Meta{Method: store.MethodBanner, Evidence: map[string]any{"variant": "b", "shown": all}}); err != nil {
		t.Fatal(err)
	}
	s, _ := l.State(ctx, "s")
	if cm := consent.ConsentMode(s); cm["ad_personalization"] != "granted" || cm["analytics_storage"] != "granted" || cm["ad_user_data"] != "granted" {
		t.Fatalf("consent mode after accept all: %v", cm)
	}
	c.t = c.t.Add(time.Hour)
	if err := l.SetPersonalisation(ctx, "s", false, consent.Meta{Method: store.MethodPrivacyCenter}); err != nil {
		t.Fatal(err)
	}
	s, _ = l.State(ctx, "s")
	if s.Granted("personalize.content") || s.Granted("marketing.advertising.profiling") || !s.Granted(consent.SignalPersonalisationOff) || !s.Granted("analytics.reporting") {
		t.Fatalf("after personalisation off: %+v", s)
	}
	if cm := consent.ConsentMode(s); cm["ad_personalization"] != "denied" || cm["analytics_storage"] != "granted" {
		t.Fatalf("consent mode after personalisation off: %v", cm)
	}
	// GPC: recorded once, sticky, suppresses the opt-in prompt for 12 months.
	if err := l.Grant(ctx, "s", consent.SignalGPC, consent.Meta{Method: store.MethodGPC}); err != nil {
		t.Fatal(err)
	}
	s, _ = l.State(ctx, "s")
	if !consent.SuppressOptInPrompt(s, c.t.Add(364*24*time.Hour)) || consent.SuppressOptInPrompt(s, c.t.Add(366*24*time.Hour)) {
		t.Fatal("GPC suppression window wrong")
	}
	if cm := consent.ConsentMode(s); cm["ad_user_data"] != "denied" {
		t.Fatalf("GPC must deny ad_user_data: %v", cm)
	}
	// The past is still answerable.
	before, _ := l.StateAt(ctx, "s", c.t.Add(-30*time.Minute))
	if !before.Granted("personalize.content") {
		t.Fatal("state before the switch lost")
	}
	if err := l.Grant(ctx, "", "x", consent.Meta{Method: store.MethodAPI}); err == nil {
		t.Fatal("empty subject accepted")
	}
	if err := l.Grant(ctx, "s", "x", consent.Meta{Method: "carrier pigeon"}); err == nil {
		t.Fatal("unknown method accepted")
	}
}

func TestReceiptHasMandatoryFields(t *testing.T) {
	m := manifest.Default()
	r := store.ConsentRecord{ID: "cr_1", SubjectID: "sub_1", Purpose: "analytics.reporting", Granted: true, NoticeVersion: "1",
		NoticeHash: m.Hash(), Method: store.MethodBanner, Jurisdiction: "CN", At: time.Now(), Actor: "subject"}
	typed := consent.ReceiptOf(r, m, consent.Controller{ID: "shop", Name: "Demo Shop", Address: "Shanghai", Contact: "privacy@shop.example.com"}, "zh-CN", "https://shop.example.com/privacy/")
	// The receipt is checked as JSON, the form it is exported in.
	b, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "record_id", "pii_principal_id", "processing", "event"} {
		if rec[k] == nil {
			t.Fatalf("missing %s", k)
		}
	}
	proc := rec["processing"].(map[string]any)
	for _, k := range []string{"privacy_notice", "language", "purposes", "pii_information", "pii_controllers", "storage_locations",
		"retention_period", "jurisdiction", "recipient_third_parties", "withdrawal_method"} {
		if _, ok := proc[k]; !ok {
			t.Errorf("processing lacks mandatory %s", k)
		}
	}
	if pii := proc["pii_information"].([]any); len(pii) == 0 {
		t.Fatal("no PII categories for analytics.reporting")
	}
	ev := rec["event"].([]any)[0].(map[string]any)
	for _, k := range []string{"event_time", "validity_duration", "entity_id", "event_type", "event_state"} {
		if ev[k] == nil || ev[k] == "" {
			t.Errorf("event lacks %s", k)
		}
	}
}

// defaultRegime is the default manifest in force: its targeting purposes are what
// "personalisation off" withdraws.
func defaultRegime() *regime.Regime { return regime.New(manifest.Default(), 1, nil) }
