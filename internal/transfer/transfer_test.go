package transfer_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/transfer"
)

// memStore is the register in memory, with counts that can be preset (a year with a
// hundred thousand people need not be sent through a test one by one).
type memStore struct {
	mu      sync.Mutex
	people  map[string]bool // year|sensitive|pseudonym|country
	preset  map[string]int64
	entries []store.TransferRecord
}

func newMem() *memStore { return &memStore{people: map[string]bool{}, preset: map[string]int64{}} }

func key(year int, sens bool, p, c string) string { return fmt.Sprint(year, "|", sens, "|", p, "|", c) }

func (m *memStore) counted(year int, sens bool, p string) bool {
	for k := range m.people {
		if strings.HasPrefix(k, fmt.Sprint(year, "|", sens, "|", p, "|")) {
			return true
		}
	}
	return false
}

func (m *memStore) RecordTransfer(_ context.Context, r store.TransferRecord, ps []string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := 0
	for _, p := range ps {
		if !m.counted(r.Year, r.Sensitive, p) {
			fresh++
		}
		m.people[key(r.Year, r.Sensitive, p, r.Country)] = true
	}
	m.entries = append(m.entries, r)
	return fresh, nil
}

func (m *memStore) CountedIndividuals(_ context.Context, year int, sens bool, ps []string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, p := range ps {
		if m.counted(year, sens, p) {
			n++
		}
	}
	return n, nil
}

func (m *memStore) TransferTotals(_ context.Context, year int) (int64, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, s := m.preset[fmt.Sprintf("%d%t", year, false)], m.preset[fmt.Sprintf("%d%t", year, true)]
	seen := map[string]bool{}
	for k := range m.people {
		parts := strings.Split(k, "|")
		if parts[0] != fmt.Sprint(year) || seen[parts[1]+parts[2]] {
			continue
		}
		seen[parts[1]+parts[2]] = true
		if parts[1] == "true" {
			s++
		} else {
			g++
		}
	}
	return g, s, nil
}

func (m *memStore) TransferCounts(context.Context, int) ([]store.TransferCount, error) {
	return nil, nil
}
func (m *memStore) ListTransfers(_ context.Context, year int) ([]store.TransferRecord, error) {
	return m.entries, nil
}

// ledger answers consent histories from a fixed map of granted keys per subject.
type ledger struct{ granted map[string][]string }

func (l ledger) Histories(_ context.Context, ids []string) (map[string][]store.ConsentRecord, error) {
	out := map[string][]store.ConsentRecord{}
	for _, id := range ids {
		for i, k := range l.granted[id] {
			out[id] = append(out[id], store.ConsentRecord{Seq: int64(i + 1), ID: fmt.Sprint(id, i), SubjectID: id, Purpose: k, Granted: true,
				NoticeVersion: "1", NoticeHash: "h", Method: store.MethodPrivacyCenter, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		}
	}
	return out, nil
}

func (ledger) Effective(st consent.State) (consent.State, map[string]bool) { return st, nil }

type recorder struct{ leaves []audit.Event }

func (r *recorder) RecordAudience(_ context.Context, e audit.Event, ids []string) (uint64, error) {
	r.leaves = append(r.leaves, e)
	return uint64(len(r.leaves)), nil
}
func (*recorder) Pseudonym(id string) string { return "p-" + id }

var shanghai = time.FixedZone("CST", 8*3600)

type fixture struct {
	svc *transfer.Service
	st  *memStore
	rec *recorder
	now *time.Time
}

func newFixture(t *testing.T, yaml string) fixture {
	t.Helper()
	if yaml == "" {
		yaml = string(manifest.DefaultYAML())
	}
	m, err := manifest.Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	r := regime.New(m, 1, nil)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, shanghai)
	f := fixture{st: newMem(), rec: &recorder{}, now: &now}
	both := []string{"analytics.reporting", "cross_border_transfer"}
	f.svc = transfer.New(transfer.Config{Store: f.st, Regime: func() *regime.Regime { return r }, Recorder: f.rec, Location: shanghai,
		Now: func() time.Time { return *f.now }, Consents: ledger{granted: map[string][]string{"ann": both, "ben": both, "cat": {"analytics.reporting"}}}})
	return f
}

const acme = "Acme Analytics GmbH"

func req(kind string, who ...string) transfer.Request {
	return transfer.Request{Kind: kind, Recipient: acme, Purpose: "analytics.reporting", Subjects: who, Actor: "op"}
}

// With a mechanism in force and separate consent, people go, are counted once a year and
// recorded; without consent a person stays; nobody with consent refuses the transfer.
func TestCheckConsentAndRegister(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	dec, err := f.svc.Check(ctx, req(transfer.KindExport, "ann", "ben", "cat"))
	if err != nil {
		t.Fatal(err)
	}
	if !dec.Abroad || !slices.Equal(dec.Allowed, []string{"ann", "ben"}) || dec.Refused["cross_border_needs_separate_consent"] != 1 ||
		dec.Mechanism != "cn-standard-contract-2025-01" || len(dec.Transfers) != 1 || len(f.rec.leaves) != 1 || f.rec.leaves[0].Recipient != acme {
		t.Fatalf("decision = %+v, leaves %+v", dec, f.rec.leaves)
	}
	if _, err := f.svc.Check(ctx, req(transfer.KindPartnerJob, "cat")); !errors.Is(err, transfer.ErrNoConsent) {
		t.Fatalf("nobody consented: %v", err)
	}
	// Counted once per calendar year (home time), whatever the kind of transfer.
	if _, err := f.svc.Check(ctx, req(transfer.KindAudienceSync, "ann")); err != nil {
		t.Fatal(err)
	}
	reg, _ := f.svc.Register(ctx, 0)
	if reg.Year != 2026 || reg.General != 2 || len(reg.Entries) != 2 {
		t.Fatalf("register = %+v", reg)
	}
	*f.now = time.Date(2027, 1, 1, 0, 30, 0, 0, shanghai) // 16:30 UTC on 31 Dec: already 2027 at home
	if _, err := f.svc.Check(ctx, req(transfer.KindExport, "ann")); err != nil {
		t.Fatal(err)
	}
	if reg, _ := f.svc.Register(ctx, 0); reg.Year != 2027 || reg.General != 1 {
		t.Fatalf("new year: %+v", reg)
	}
	// Screen decides the same without recording anything.
	n := len(f.rec.leaves)
	if dec, err := f.svc.Screen(ctx, req(transfer.KindExport, "ann", "cat")); err != nil || len(dec.Allowed) != 1 || len(f.rec.leaves) != n {
		t.Fatalf("screen: %+v, %v", dec, err)
	}
	// A recipient at home is no transfer abroad: everyone passes, nothing is registered.
	home := transfer.Request{Kind: transfer.KindAudienceSync, Recipient: "Alimama Ads", Purpose: "marketing.advertising.third_party.targeted", Subjects: []string{"cat"}}
	if dec, err := f.svc.Check(ctx, home); err != nil || dec.Abroad || len(dec.Allowed) != 1 || len(f.rec.leaves) != n {
		t.Fatalf("home: %+v, %v", dec, err)
	}
	// An undeclared recipient, or one not declared for the purpose, is refused.
	bad := req(transfer.KindExport, "ann")
	bad.Purpose = "personalize.content"
	if _, err := f.svc.Check(ctx, bad); !errors.Is(err, transfer.ErrUnknownRecipient) {
		t.Fatalf("recipient not declared for the purpose: %v", err)
	}
}

// Without a valid mechanism nothing goes: expired, not yet filed, no reference, another
// country, or a kind the home law does not accept.
func TestCheckRefusesWithoutValidMechanism(t *testing.T) {
	base := string(manifest.DefaultYAML())
	for _, c := range []struct{ name, from, to, want string }{
		{"expired", "valid_until: 2030-12-31", "valid_until: 2026-05-31", "expired on 2026-05-31"},
		{"not yet filed", "filed: 2025-01-15", "filed: 2026-07-01", "not yet filed"},
		{"no reference", "    reference: SH-CAC-SCC-2025-0001\n", "", "no filing or certificate reference"},
		{"another country", "    countries: [DE]\n    reference", "    countries: [FR]\n    reference", "does not cover DE"},
		{"EU mechanism from China", "kind: standard_contract", "kind: sccs", "does not accept"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(base, c.from, c.to, 1)
			if doc == base {
				t.Fatalf("fixture edit %q did not apply", c.from)
			}
			f := newFixture(t, doc)
			_, err := f.svc.Check(context.Background(), req(transfer.KindExport, "ann"))
			var re *transfer.RefusedError
			if !errors.Is(err, transfer.ErrNoMechanism) || !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want ErrNoMechanism saying %q", err, c.want)
			}
			if len(f.rec.leaves) != 0 || len(f.st.entries) != 0 {
				t.Fatal("a refused transfer was recorded")
			}
			reg, _ := f.svc.Register(context.Background(), 0)
			if reg.Recipients[2].Mechanism == nil || reg.Recipients[2].Mechanism.InForce && c.name != "EU mechanism from China" {
				t.Fatalf("register shows the mechanism in force: %+v", reg.Recipients[2].Mechanism)
			}
		})
	}
}

// The CAC thresholds (2024): warnings from 80 %; a standard contract stops covering at
// 1,000,000 people's general data or 10,000 people's sensitive data, where only a security
// assessment does.
func TestThresholds(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	f.st.preset["2026false"] = 79_998
	dec, err := f.svc.Check(ctx, req(transfer.KindExport, "ann"))
	if err != nil || len(dec.Warnings) != 0 {
		t.Fatalf("79,999 people: %+v, %v; want no warning", dec.Warnings, err)
	}
	dec, err = f.svc.Check(ctx, req(transfer.KindExport, "ben"))
	if err != nil || len(dec.Warnings) != 1 || dec.Warnings[0].Threshold != "exempt_general" || dec.Warnings[0].Count != 80_000 {
		t.Fatalf("80,000 people: %+v, %v; want the exemption warning", dec.Warnings, err)
	}
	f.st.preset["2026false"] = 999_997 // + ann and ben, already counted: 999,999
	f2 := newFixture(t, "")
	f2.st.preset["2026false"] = 999_999
	if _, err := f2.svc.Check(ctx, req(transfer.KindExport, "ann")); !errors.Is(err, transfer.ErrThreshold) || !strings.Contains(err.Error(), "security assessment") {
		t.Fatalf("the 1,000,000th person under a standard contract: %v", err)
	}
	// People already counted this year do not count again.
	if dec, err := f.svc.Check(ctx, req(transfer.KindExport, "ann", "ben")); err != nil || len(dec.Warnings) != 2 {
		t.Fatalf("recounting: %+v, %v", dec, err)
	}
	// With a security assessment in force the same transfer goes.
	sa := strings.Replace(string(manifest.DefaultYAML()), "kind: standard_contract", "kind: security_assessment", 1)
	f3 := newFixture(t, sa)
	f3.st.preset["2026false"] = 2_000_000
	if dec, err := f3.svc.Check(ctx, req(transfer.KindExport, "ann")); err != nil || len(dec.Warnings) != 2 {
		t.Fatalf("security assessment: %+v, %v", dec, err)
	}
}

// A clean-room partner job (any code that hands people's data to a partner) goes through
// the same check: a stub of the interface such a job will have.
type partnerJob interface {
	Run(ctx context.Context, subjects []string) (sent []string, err error)
}

type stubPartnerJob struct {
	check *transfer.Service
	sent  []string
}

func (j *stubPartnerJob) Run(ctx context.Context, subjects []string) ([]string, error) {
	dec, err := j.check.Check(ctx, transfer.Request{Kind: transfer.KindPartnerJob, Recipient: acme, Purpose: "analytics.reporting", Subjects: subjects, Actor: "partner:acme"})
	if err != nil {
		return nil, err
	}
	j.sent = append(j.sent, dec.Allowed...)
	return dec.Allowed, nil
}

func TestPartnerJobChecked(t *testing.T) {
	f := newFixture(t, "")
	var job partnerJob = &stubPartnerJob{check: f.svc}
	sent, err := job.Run(context.Background(), []string{"ann", "cat"})
	if err != nil || !slices.Equal(sent, []string{"ann"}) || f.st.entries[0].Kind != transfer.KindPartnerJob {
		t.Fatalf("partner job: %v, %v", sent, err)
	}
	expired := newFixture(t, strings.Replace(string(manifest.DefaultYAML()), "valid_until: 2030-12-31", "valid_until: 2026-01-01", 1))
	if _, err := (&stubPartnerJob{check: expired.svc}).Run(context.Background(), []string{"ann"}); !errors.Is(err, transfer.ErrNoMechanism) {
		t.Fatalf("partner job without a mechanism in force: %v", err)
	}
}
