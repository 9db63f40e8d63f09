package demo_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/demo"
)

func digest(batches [][]byte) [32]byte {
	h := sha256.New()
	for _, b := range batches {
		h.Write(b)
		h.Write([]byte{0})
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func collect(t *testing.T, cfg demo.Config) [][]byte {
	t.Helper()
	var out [][]byte
	if _, err := demo.Generate(cfg, func(b []byte) error { out = append(out, b); return nil }); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	cfg := demo.Config{Seed: 7, Subjects: 400, Now: testNow}
	a, b := collect(t, cfg), collect(t, cfg)
	if digest(a) != digest(b) {
		t.Fatal("same config produced different bytes")
	}

	t.Run("other seed differs", func(t *testing.T) {
		c := cfg
		c.Seed = 8
		if digest(collect(t, c)) == digest(a) {
			t.Fatal("different seeds produced identical output")
		}
	})
	t.Run("batch size only moves batch boundaries", func(t *testing.T) {
		c := cfg
		c.BatchSize = 37
		joined := func(batches [][]byte) []byte {
			var all []byte
			for _, b := range batches {
				msgs, err := parseBatch(b)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range msgs {
					all = append(append(all, m.raw...), '\n')
				}
			}
			return all
		}
		if !bytes.Equal(joined(a), joined(collect(t, c))) {
			t.Fatal("messages differ when only BatchSize changes")
		}
	})
	t.Run("subject i independent of Subjects", func(t *testing.T) {
		small, err := demo.Subjects(demo.Config{Seed: 7, Subjects: 50, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		large, err := demo.Subjects(demo.Config{Seed: 7, Subjects: 400, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		for i := range small {
			if small[i] != large[i] {
				t.Fatalf("subject %d differs between shop sizes", i)
			}
		}
	})
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name      string
		batchSize int
	}{
		{"default batch size", 0},
		{"large batches split by bytes", 5000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := generate(t, demo.Config{Seed: 3, Subjects: 600, Now: testNow, BatchSize: tc.batchSize})
			want := tc.batchSize
			if want == 0 {
				want = demo.DefaultBatchSize
			}
			biggest := 0
			for i, b := range g.batches {
				if len(b) > demo.MaxBatchBytes {
					t.Errorf("batch %d is %d bytes", i, len(b))
				}
				biggest = max(biggest, len(b))
				msgs, err := parseBatch(b)
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) == 0 || len(msgs) > want {
					t.Errorf("batch %d holds %d messages, want 1..%d", i, len(msgs), want)
				}
			}
			for _, m := range g.msgs {
				if len(m.raw) > demo.MaxMessageBytes {
					t.Errorf("message %s is %d bytes", m.MessageID, len(m.raw))
				}
			}
			if tc.batchSize == 5000 && biggest < demo.MaxBatchBytes*9/10 {
				t.Errorf("largest batch %d bytes: byte limit never approached", biggest)
			}
			if g.sum.Batches != len(g.batches) || g.sum.Messages != len(g.msgs) {
				t.Errorf("summary says %d batches/%d messages, saw %d/%d",
					g.sum.Batches, g.sum.Messages, len(g.batches), len(g.msgs))
			}
		})
	}
}

func TestMessageFields(t *testing.T) {
	g := shop(t)
	ids := map[string]bool{}
	wantSent := testNow.Format("2006-01-02T15:04:05.000Z")
	idPattern := regexp.MustCompile(`^demo-42-[1-9][0-9]*$`)
	for _, m := range g.msgs {
		if !idPattern.MatchString(m.MessageID) || ids[m.MessageID] {
			t.Fatalf("messageId %q malformed or repeated", m.MessageID)
		}
		ids[m.MessageID] = true
		if m.sent != wantSent {
			t.Fatalf("sentAt %q, want %q", m.sent, wantSent)
		}
		if m.AnonymousID == "" {
			t.Fatalf("message %s has no anonymousId", m.MessageID)
		}
		c := m.Context
		if c.Library.Name != "steward-demo" || c.Locale == "" || c.IP == "" || c.UserAgent == "" ||
			c.Location.Country == "" || c.Timezone == "" {
			t.Fatalf("message %s: incomplete context %+v", m.MessageID, c)
		}
		switch m.Type {
		case demo.TypeIdentify:
			if m.Traits == nil || m.UserID == "" || m.Properties != nil {
				t.Fatalf("identify %s malformed", m.MessageID)
			}
		case demo.TypePage:
			if c.Page == nil || m.Name == "" || m.Properties == nil {
				t.Fatalf("page %s lacks context.page or name", m.MessageID)
			}
			var p wirePage
			if err := json.Unmarshal(m.Properties, &p); err != nil || p != *c.Page {
				t.Fatalf("page %s: properties %s differ from context.page", m.MessageID, m.Properties)
			}
		case demo.TypeTrack:
			if m.Event == "" || m.Properties == nil || c.Page != nil {
				t.Fatalf("track %s malformed", m.MessageID)
			}
		default:
			t.Fatalf("message %s has type %q", m.MessageID, m.Type)
		}
	}
}

func TestIdentifyFirstAndStitching(t *testing.T) {
	g := shop(t)
	subjects, err := demo.Subjects(g.cfg)
	if err != nil {
		t.Fatal(err)
	}
	groups := bySubject(t, g, subjects)
	// groups keep emission order, so the identify must lead each group.
	for _, s := range subjects {
		msgs := groups[s.UserID]
		if len(msgs) == 0 || msgs[0].Type != demo.TypeIdentify {
			t.Fatalf("subject %d: first message is not the identify", s.Index)
		}
		id := msgs[0]
		if !id.at.Equal(s.IdentifiedAt) || id.UserID != s.UserID {
			t.Fatalf("subject %d: identify at %v for %q, want %v", s.Index, id.at, id.UserID, s.IdentifiedAt)
		}
		for k, m := range msgs[1:] {
			if k > 0 && m.at.Before(msgs[k].at) {
				t.Fatalf("subject %d: messages after the identify not in time order", s.Index)
			}
			before := m.at.Before(s.IdentifiedAt)
			if before != (m.UserID == "") {
				t.Fatalf("subject %d: message %s at %v has userId %q (identify at %v)",
					s.Index, m.MessageID, m.at, m.UserID, s.IdentifiedAt)
			}
			if m.Type == demo.TypeIdentify {
				t.Fatalf("subject %d: second identify", s.Index)
			}
		}
		if msgs[1].at.Before(s.FirstSeen) {
			t.Fatalf("subject %d: message before FirstSeen", s.Index)
		}
	}
}

func TestTimestampsInWindow(t *testing.T) {
	g := shop(t)
	start := testNow.AddDate(0, -demo.DefaultMonths, 0)
	for _, m := range g.msgs {
		if m.at.Before(start) || !m.at.Before(testNow) {
			t.Fatalf("message %s at %v outside [%v, %v)", m.MessageID, m.at, start, testNow)
		}
	}
	if g.sum.First.Before(start) || !g.sum.Last.Before(testNow) {
		t.Fatalf("summary window %v..%v", g.sum.First, g.sum.Last)
	}
	// Weekday and hour patterns: evenings beat small hours, local time.
	var night, evening int
	for _, m := range g.msgs {
		if m.Context.Timezone != "Asia/Shanghai" {
			continue
		}
		switch h := m.at.Add(8 * time.Hour).Hour(); {
		case h >= 2 && h < 5:
			night++
		case h >= 19 && h < 22:
			evening++
		}
	}
	if evening < 5*night {
		t.Errorf("CN evening messages %d, small-hours %d: no daily pattern", evening, night)
	}
}

func TestCoverage(t *testing.T) {
	subjects, err := demo.Subjects(demo.Config{Seed: 1, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(subjects) != demo.DefaultSubjects {
		t.Fatalf("%d subjects, want %d", len(subjects), demo.DefaultSubjects)
	}
	bands, regions, kinds := map[demo.Band]int{}, map[demo.Region]int{}, map[demo.ConsentKind]int{}
	guardianMinors, unguardedMinors, seniors := 0, 0, 0
	for _, s := range subjects {
		bands[s.Band]++
		regions[s.Region]++
		kinds[s.Consent.Kind]++
		if s.Band == demo.BandUnder14 {
			if s.Consent.Guardian {
				guardianMinors++
			} else {
				unguardedMinors++
			}
		}
		if s.Consent.Guardian && s.Band != demo.BandUnder14 {
			t.Errorf("subject %d: guardian consent at band %s", s.Index, s.Band)
		}
		if s.Band == demo.BandSenior {
			seniors++
		}
	}
	for _, b := range demo.Bands() {
		if bands[b] < 50 {
			t.Errorf("band %s: %d subjects", b, bands[b])
		}
	}
	for _, r := range demo.Regions() {
		if regions[r] < 100 {
			t.Errorf("region %s: %d subjects", r, regions[r])
		}
	}
	if regions[demo.RegionCN] <= len(subjects)/2 {
		t.Errorf("CN holds %d of %d: should be most", regions[demo.RegionCN], len(subjects))
	}
	for _, k := range demo.ConsentKinds() {
		if kinds[k] < 50 {
			t.Errorf("consent kind %s: %d subjects", k, kinds[k])
		}
	}
	if guardianMinors == 0 || unguardedMinors == 0 {
		t.Errorf("under-14s with/without guardian: %d/%d", guardianMinors, unguardedMinors)
	}

	t.Run("combinations tests ask for", func(t *testing.T) {
		small, err := demo.Subjects(demo.Config{Seed: 99, Subjects: 30, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			name string
			ok   func(demo.Subject) bool
		}{
			{"minor in CN with guardian", func(s demo.Subject) bool {
				return s.Band == demo.BandUnder14 && s.Region == demo.RegionCN && s.Consent.Guardian
			}},
			{"minor in CN without guardian", func(s demo.Subject) bool {
				return s.Band == demo.BandUnder14 && s.Region == demo.RegionCN && !s.Consent.Guardian
			}},
			{"GPC in US-CA", func(s demo.Subject) bool { return s.Consent.GPC && s.Region == demo.RegionUSCA }},
			{"15-ish Californian", func(s demo.Subject) bool { return s.Band == demo.Band14to17 && s.Region == demo.RegionUSCA }},
			{"senior in CN", func(s demo.Subject) bool { return s.Band == demo.BandSenior && s.Region == demo.RegionCN }},
			{"withdrawn in EU", func(s demo.Subject) bool { return s.Consent.Kind == demo.ConsentWithdrawn && s.Region == demo.RegionEU }},
			{"unknown age", func(s demo.Subject) bool { return s.Band == demo.BandUnknown }},
		}
		for _, w := range want {
			if !slices.ContainsFunc(small, w.ok) {
				t.Errorf("no %s among the first 30 subjects", w.name)
			}
		}
		kinds := map[demo.ConsentKind]bool{}
		for _, s := range small {
			kinds[s.Consent.Kind] = true
		}
		if len(kinds) != len(demo.ConsentKinds()) {
			t.Errorf("first 30 subjects cover %d consent kinds, want all %d", len(kinds), len(demo.ConsentKinds()))
		}
	})
}

func TestSummaryMatchesSubjects(t *testing.T) {
	g := shop(t)
	subjects, err := demo.Subjects(g.cfg)
	if err != nil {
		t.Fatal(err)
	}
	bands, regions, kinds := map[demo.Band]int{}, map[demo.Region]int{}, map[demo.ConsentKind]int{}
	for _, s := range subjects {
		bands[s.Band]++
		regions[s.Region]++
		kinds[s.Consent.Kind]++
	}
	if g.sum.Subjects != len(subjects) {
		t.Errorf("summary subjects %d, want %d", g.sum.Subjects, len(subjects))
	}
	for b, n := range bands {
		if g.sum.ByBand[b] != n {
			t.Errorf("band %s: summary %d, subjects %d", b, g.sum.ByBand[b], n)
		}
	}
	for r, n := range regions {
		if g.sum.ByRegion[r] != n {
			t.Errorf("region %s: summary %d, subjects %d", r, g.sum.ByRegion[r], n)
		}
	}
	for k, n := range kinds {
		if g.sum.ByConsent[k] != n {
			t.Errorf("consent %s: summary %d, subjects %d", k, g.sum.ByConsent[k], n)
		}
	}
	types, events, pages := map[string]int{}, map[string]int{}, map[string]int{}
	for _, m := range g.msgs {
		types[m.Type]++
		switch m.Type {
		case demo.TypeTrack:
			events[m.Event]++
		case demo.TypePage:
			pages[m.Name]++
		}
	}
	for _, c := range []struct {
		name      string
		got, want map[string]int
	}{{"type", g.sum.ByType, types}, {"event", g.sum.ByEvent, events}, {"page", g.sum.ByPage, pages}} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s counts: summary %v, wire %v", c.name, c.got, c.want)
		}
		for k, n := range c.want {
			if c.got[k] != n {
				t.Errorf("%s %q: summary %d, wire %d", c.name, k, c.got[k], n)
			}
		}
	}
}

func TestIdentifyTraitsMatchSubjects(t *testing.T) {
	g := shop(t)
	subjects, err := demo.Subjects(g.cfg)
	if err != nil {
		t.Fatal(err)
	}
	groups := bySubject(t, g, subjects)
	start := testNow.AddDate(0, -demo.DefaultMonths, 0)
	for _, s := range subjects {
		tr := groups[s.UserID][0].Traits
		if tr.Name != s.Name || tr.Email != s.Email || tr.Phone != s.Phone || tr.Birthday != s.Birthday ||
			tr.Gender != s.Gender || tr.Address.Country != s.Country || tr.Address.State != s.State || tr.Address.City != s.City {
			t.Fatalf("subject %d: traits %+v differ from Subject %+v", s.Index, tr, s)
		}
		if s.Region == demo.RegionUSCA && (s.Country != "US" || s.State != "CA") {
			t.Fatalf("subject %d: US-CA subject in %s/%s", s.Index, s.Country, s.State)
		}
		if _, err := time.Parse(time.RFC3339, tr.CreatedAt); err != nil {
			t.Fatalf("subject %d: createdAt %q", s.Index, tr.CreatedAt)
		}
		if s.Band == demo.BandUnknown {
			if s.Birthday != "" {
				t.Fatalf("subject %d: unknown band with birthday", s.Index)
			}
			continue
		}
		birth, err := time.Parse(time.DateOnly, s.Birthday)
		if err != nil {
			t.Fatalf("subject %d: birthday %q", s.Index, s.Birthday)
		}
		for _, at := range []time.Time{start, testNow} {
			if b := bandOf(age(birth, at)); b != s.Band {
				t.Fatalf("subject %d born %s is %d (%s) on %s, band says %s",
					s.Index, s.Birthday, age(birth, at), b, at.Format(time.DateOnly), s.Band)
			}
		}
	}
}

func age(birth, at time.Time) int {
	a := at.Year() - birth.Year()
	if at.Month() < birth.Month() || at.Month() == birth.Month() && at.Day() < birth.Day() {
		a--
	}
	return a
}

func bandOf(age int) demo.Band {
	switch {
	case age < 14:
		return demo.BandUnder14
	case age < 18:
		return demo.Band14to17
	case age < 65:
		return demo.BandAdult
	default:
		return demo.BandSenior
	}
}

func TestConsentOnTheWire(t *testing.T) {
	g := shop(t)
	subjects, err := demo.Subjects(g.cfg)
	if err != nil {
		t.Fatal(err)
	}
	groups := bySubject(t, g, subjects)
	cats := []string{"Analytics", "Personalization", "Advertising", "ThirdPartySharing", "CrossBorder"}
	for _, s := range subjects {
		changes := 0
		var before, after int
		for _, m := range groups[s.UserID] {
			want := s.Consent.State(m.at)
			c := m.Context
			if (c.Consent != nil) != want.Given {
				t.Fatalf("subject %d (%s): message %s consent present=%v", s.Index, s.Consent.Kind, m.MessageID, c.Consent != nil)
			}
			if (c.GPC != nil && *c.GPC) != want.GPC || (c.GPC != nil && !*c.GPC) {
				t.Fatalf("subject %d: message %s gpc %v, want %v", s.Index, m.MessageID, c.GPC, want.GPC)
			}
			if c.Consent != nil {
				p := c.Consent.CategoryPreferences
				if len(p) != len(cats) {
					t.Fatalf("subject %d: categoryPreferences %v", s.Index, p)
				}
				got := demo.Preferences{Analytics: p[cats[0]], Personalization: p[cats[1]], Advertising: p[cats[2]],
					ThirdPartySharing: p[cats[3]], CrossBorder: p[cats[4]]}
				if got != want.Preferences {
					t.Fatalf("subject %d: message %s prefs %+v, want %+v", s.Index, m.MessageID, got, want.Preferences)
				}
				flag := func(b *bool) bool { return b != nil && *b }
				for _, f := range []*bool{c.Consent.Guardian, c.Consent.PersonalisationOff, c.Consent.ObjectDirectMarketing} {
					if f != nil && !*f {
						t.Fatalf("subject %d: a consent flag sent as false; flags are true or absent", s.Index)
					}
				}
				if flag(c.Consent.Guardian) != want.Guardian || flag(c.Consent.PersonalisationOff) != want.PersonalisationOff ||
					flag(c.Consent.ObjectDirectMarketing) != want.ObjectDirectMarketing {
					t.Fatalf("subject %d: message %s flags %+v, want %+v", s.Index, m.MessageID, c.Consent, want)
				}
			}
			if m.Event == demo.EventConsentPreferences {
				changes++
			}
			if !s.Consent.ChangedAt.IsZero() && m.Type != demo.TypeIdentify {
				if m.at.Before(s.Consent.ChangedAt) {
					before++
				} else {
					after++
				}
			}
		}
		wantChanges := 0
		if s.Consent.Given {
			wantChanges++ // the first choice
		}
		if !s.Consent.ChangedAt.IsZero() {
			wantChanges++
			// NC-04: the change must be visible: shopping both before and after it.
			if before < 2 || after < 2 {
				t.Errorf("subject %d (%s): %d messages before and %d after the change", s.Index, s.Consent.Kind, before, after)
			}
		}
		if changes != wantChanges {
			t.Errorf("subject %d (%s): %d preference updates, want %d", s.Index, s.Consent.Kind, changes, wantChanges)
		}
	}
}

var (
	emailRE = regexp.MustCompile(`^[a-z._]+[0-9]+@example\.(com|net|org)$`)
	phoneRE = regexp.MustCompile(`^(\+861[3-9][0-9]{9}|\+1[0-9]{3}55501[0-9]{2}|\+447700900[0-9]{3}|\+3363998[0-9]{4})$`)
	docNets = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
)

func TestReservedRangesOnly(t *testing.T) {
	g := shop(t)
	emails := map[string]bool{}
	for _, m := range g.msgs {
		ip, err := netip.ParseAddr(m.Context.IP)
		if err != nil || !slices.ContainsFunc(docNets, func(p netip.Prefix) bool { return p.Contains(ip) }) {
			t.Fatalf("message %s: ip %q outside the documentation ranges", m.MessageID, m.Context.IP)
		}
		if p := m.Context.Page; p != nil {
			for _, u := range []string{p.URL, p.Referrer} {
				if u == "" {
					continue
				}
				pu, err := url.Parse(u)
				if err != nil || !strings.HasSuffix(pu.Host, ".example.com") && !strings.HasSuffix(pu.Host, ".example.org") {
					t.Fatalf("message %s: url %q outside example domains", m.MessageID, u)
				}
			}
		}
		if m.Traits == nil {
			continue
		}
		if !emailRE.MatchString(m.Traits.Email) || emails[m.Traits.Email] {
			t.Fatalf("email %q not under example.* or repeated", m.Traits.Email)
		}
		emails[m.Traits.Email] = true
		if m.Traits.Phone != "" && !phoneRE.MatchString(m.Traits.Phone) {
			t.Fatalf("phone %q outside the allowed ranges", m.Traits.Phone)
		}
		if strings.HasPrefix(m.Traits.Phone, "+86") != (m.Traits.Address.Country == "CN") && m.Traits.Phone != "" {
			t.Fatalf("phone %q for a subject in %s", m.Traits.Phone, m.Traits.Address.Country)
		}
	}
	// No free text anywhere may carry a raw address or phone-like string
	// beyond the traits: scan whole messages.
	anyEmail := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+`)
	for _, m := range g.msgs {
		for _, e := range anyEmail.FindAllString(string(m.raw), -1) {
			if !emailRE.MatchString(e) {
				t.Fatalf("message %s contains %q", m.MessageID, e)
			}
		}
	}
}

func TestFunnel(t *testing.T) {
	sum, err := demo.Generate(demo.Config{Seed: 1, Now: testNow}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	e := sum.ByEvent
	t.Logf("default shop: %d subjects, %d messages (%.1f per subject), %d batches, %.1f MB; events %v; pages %v",
		sum.Subjects, sum.Messages, float64(sum.Messages)/float64(sum.Subjects), sum.Batches, float64(sum.Bytes)/1e6, e, sum.ByPage)
	if per := float64(sum.Messages) / float64(sum.Subjects); per < 30 || per > 80 {
		t.Errorf("%.1f messages per subject, want 30..80", per)
	}
	if !(e[demo.EventProductViewed] > 4*e[demo.EventProductAdded] && e[demo.EventProductAdded] > 2*e[demo.EventOrderCompleted]) {
		t.Errorf("funnel views %d, adds %d, orders %d: want views ≫ adds ≫ orders",
			e[demo.EventProductViewed], e[demo.EventProductAdded], e[demo.EventOrderCompleted])
	}
	for _, name := range []string{demo.EventProductsSearched, demo.EventProductViewed, demo.EventProductAdded,
		demo.EventProductRemoved, demo.EventCartViewed, demo.EventCheckoutStarted, demo.EventOrderCompleted,
		demo.EventOrderRefunded, demo.EventConsentPreferences} {
		if e[name] == 0 {
			t.Errorf("no %q events", name)
		}
	}
	for _, p := range []string{demo.PageHome, demo.PageSearch, demo.PageProduct, demo.PageCart, demo.PageCheckout} {
		if sum.ByPage[p] == 0 {
			t.Errorf("no %q pages", p)
		}
	}
	if sum.ByType[demo.TypeIdentify] != sum.Subjects {
		t.Errorf("%d identifies for %d subjects", sum.ByType[demo.TypeIdentify], sum.Subjects)
	}
}

func TestSpendersAndSensitiveOrders(t *testing.T) {
	g := shop(t)
	subjects, err := demo.Subjects(g.cfg)
	if err != nil {
		t.Fatal(err)
	}
	groups := bySubject(t, g, subjects)
	byActivity := map[demo.Activity][]int{}
	topicOrders := map[string]int{}
	topic := map[string]string{}
	for _, p := range demo.Catalog() {
		topic[p.ID] = p.Topic
	}
	for _, s := range subjects {
		orders := 0
		for _, m := range groups[s.UserID] {
			if m.Event != demo.EventOrderCompleted {
				continue
			}
			orders++
			var o struct {
				Total, Revenue, Shipping float64
				Products                 []struct {
					ProductID string  `json:"product_id"`
					Price     float64 `json:"price"`
					Quantity  int     `json:"quantity"`
				}
			}
			if err := json.Unmarshal(m.Properties, &o); err != nil {
				t.Fatal(err)
			}
			sub := 0.0
			for _, p := range o.Products {
				sub += p.Price * float64(p.Quantity)
				if tp := topic[p.ProductID]; tp != "" {
					topicOrders[tp]++
				}
			}
			if d := sub - o.Revenue; d > 0.001 || d < -0.001 || o.Total-o.Revenue-o.Shipping > 0.001 {
				t.Fatalf("order %s: lines %.2f, revenue %.2f, shipping %.2f, total %.2f", m.MessageID, sub, o.Revenue, o.Shipping, o.Total)
			}
		}
		byActivity[s.Activity] = append(byActivity[s.Activity], orders)
	}
	mean := func(xs []int) float64 {
		total := 0
		for _, x := range xs {
			total += x
		}
		return float64(total) / float64(max(len(xs), 1))
	}
	if len(byActivity[demo.ActivityDormant]) == 0 || len(byActivity[demo.ActivityHeavy]) == 0 {
		t.Fatal("no dormant or no heavy subjects")
	}
	if mean(byActivity[demo.ActivityHeavy]) < 3*mean(byActivity[demo.ActivityRegular]) {
		t.Errorf("heavy spenders average %.2f orders, regular %.2f", mean(byActivity[demo.ActivityHeavy]), mean(byActivity[demo.ActivityRegular]))
	}
	for _, tp := range []string{demo.TopicDiabetes, demo.TopicPregnancy, demo.TopicInfant} {
		if topicOrders[tp] < 5 {
			t.Errorf("%d ordered lines of topic %s", topicOrders[tp], tp)
		}
	}
}

func TestCatalog(t *testing.T) {
	cat := demo.Catalog()
	if len(cat) < 180 || len(cat) > 220 {
		t.Fatalf("%d products, want about 200", len(cat))
	}
	ids, skus, perCat := map[string]bool{}, map[string]bool{}, map[string]int{}
	names := ""
	for _, p := range cat {
		if ids[p.ID] || skus[p.SKU] {
			t.Fatalf("duplicate id or sku %s/%s", p.ID, p.SKU)
		}
		ids[p.ID], skus[p.SKU] = true, true
		perCat[p.Category]++
		if p.PriceCNY <= 0 || p.PriceEUR <= 0 || p.PriceUSD <= 0 || p.PriceEUR >= p.PriceCNY || p.PriceUSD >= p.PriceCNY {
			t.Errorf("%s: prices CNY %d EUR %d USD %d", p.ID, p.PriceCNY, p.PriceEUR, p.PriceUSD)
		}
		if p.Name == "" || p.NameZH == "" || p.Query == "" || p.QueryZH == "" || p.Brand == "" {
			t.Errorf("%s: missing names", p.ID)
		}
		names += p.NameZH + "|" + p.Name + "|"
	}
	for _, c := range []string{demo.CategoryElectronics, demo.CategoryApparel, demo.CategoryHome, demo.CategoryBeauty,
		demo.CategoryFood, demo.CategoryBooks, demo.CategoryToys, demo.CategoryBaby, demo.CategoryHealth} {
		if perCat[c] < 10 {
			t.Errorf("category %s has %d products", c, perCat[c])
		}
	}
	for _, want := range []string{"奶粉", "纸尿裤", "Blood Glucose Meter", "Prenatal", "Ibuprofen"} {
		if !strings.Contains(names, want) {
			t.Errorf("catalog lacks %q", want)
		}
	}
	cat[0].Name = "changed"
	if demo.Catalog()[0].Name == "changed" {
		t.Error("Catalog returns shared storage")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  demo.Config
	}{
		{"no now", demo.Config{Seed: 1}},
		{"negative subjects", demo.Config{Now: testNow, Subjects: -1}},
		{"too many subjects", demo.Config{Now: testNow, Subjects: 2_000_000}},
		{"negative months", demo.Config{Now: testNow, Months: -2}},
		{"too many months", demo.Config{Now: testNow, Months: 37}},
		{"negative batch", demo.Config{Now: testNow, BatchSize: -1}},
		{"huge batch", demo.Config{Now: testNow, BatchSize: 20_000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			_, err := demo.Generate(tc.cfg, func([]byte) error { called = true; return nil })
			if !errors.Is(err, demo.ErrInvalidConfig) || called {
				t.Fatalf("Generate: err %v, emitted %v", err, called)
			}
			if _, err := demo.Subjects(tc.cfg); !errors.Is(err, demo.ErrInvalidConfig) {
				t.Fatalf("Subjects: err %v", err)
			}
		})
	}
}

func TestEmitErrorStops(t *testing.T) {
	boom := errors.New("ingestion down")
	calls := 0
	_, err := demo.Generate(demo.Config{Seed: 1, Subjects: 200, Now: testNow}, func([]byte) error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 3 {
		t.Fatalf("err %v after %d calls, want %v after 3", err, calls, boom)
	}
}

func TestShortWindows(t *testing.T) {
	for _, months := range []int{1, 2, 6, 12} {
		t.Run(fmt.Sprintf("%d months", months), func(t *testing.T) {
			now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // after a short February
			g := generate(t, demo.Config{Seed: uint64(months), Subjects: 150, Months: months, Now: now})
			start := now.AddDate(0, -months, 0)
			for _, m := range g.msgs {
				if m.at.Before(start) || !m.at.Before(now) {
					t.Fatalf("message at %v outside [%v, %v)", m.at, start, now)
				}
			}
		})
	}
}

// TestDefaultShopSpeed keeps the default shop (5,000 subjects, three months)
// under three seconds, the budget `steward demo` has before it serves.
func TestDefaultShopSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		if _, err := demo.Generate(demo.Config{Seed: 1, Now: testNow}, func([]byte) error { return nil }); err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
		if best < time.Second {
			break
		}
	}
	t.Logf("default shop generated in %v", best)
	if best > 3*time.Second {
		t.Errorf("default shop took %v, budget 3s", best)
	}
}

func BenchmarkGenerateDefault(b *testing.B) {
	var bytes int64
	for b.Loop() {
		sum, err := demo.Generate(demo.Config{Seed: 1, Now: testNow}, func([]byte) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		bytes = sum.Bytes
	}
	b.SetBytes(bytes)
}
