package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// The banner asks for a separate consent on its own, naming the recipient — its name,
// contact, what it receives, how, and where — and "accept all" never grants it; agreeing in
// that dialog does, and the record keeps the recipient and the notice shown (issue 16 item 2;
// PIPL Arts. 23 and 39).
func TestBannerAsksSeparatelyNamingTheRecipient(t *testing.T) {
	r := startApp(t)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, shopPage(r.base, r.key, false)) }))
	defer shop.Close()
	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(shop.URL), chromedp.WaitVisible(css("#steward-separate")))
	card := `#steward-separate .steward-ask[data-purpose="marketing.advertising.third_party.targeted"][data-recipient="Alimama Ads"]`
	text := p.text(card)
	for _, want := range []string{"Targeted advertising by others", "Alimama Ads", "privacy@alimama.example.com", "hashed email and phone numbers", "CN"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the separate consent does not show %q: %q", want, text)
		}
	}
	if n := evalJS[int](p, `document.querySelectorAll('#steward-separate .steward-ask').length`); n < 3 {
		t.Fatalf("%d separate asks; sharing, transfer abroad and targeted advertising each name their recipients", n)
	}
	browsertest.Screenshot(t, p.ctx, "banner-separate-consent-1400", 1400, 1000)
	browsertest.Screenshot(t, p.ctx, "banner-separate-consent-390", 390, 844)
	p.do(chromedp.EmulateViewport(1400, 1000))

	// Sign in as a customer, then "accept all": separate purposes stay off.
	evalJS[bool](p, `steward.identify("sep-1", {}); true`)
	p.do(chromedp.Click(css("#steward-accept")))
	ctx := context.Background()
	sub := waitSubject(t, r, "sep-1")
	state := func() consent.State {
		st, err := r.app.Ledger.State(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor(t, func() bool { return state().Granted("analytics.reporting") }, "accept all recorded")
	if st := state(); st.Granted("marketing.advertising.third_party.targeted") || st.Granted("third_party_sharing") || st.Granted("cross_border_transfer") {
		t.Fatalf("accept all granted a separate-consent purpose: %+v", st)
	}

	// Agree in the separate dialog for Alimama Ads.
	evalJS[bool](p, `steward.open(); true`)
	p.do(chromedp.WaitVisible(css(card)), chromedp.Click(css(card+" button.steward-agree")))
	waitFor(t, func() bool { return state().Granted("marketing.advertising.third_party.targeted") }, "separate consent recorded")
	hist, _ := r.app.Ledger.History(ctx, sub)
	var rec store.ConsentRecord
	for _, h := range hist {
		if h.Purpose == "marketing.advertising.third_party.targeted" && h.Granted {
			rec = h
		}
	}
	var ev struct {
		Separate  bool
		Recipient struct{ Name, Contact string }
	}
	json.Unmarshal(rec.Evidence, &ev)
	notice := r.app.Regime.Current().Notice()
	if rec.Method != store.MethodBanner || !ev.Separate || ev.Recipient.Name != "Alimama Ads" || ev.Recipient.Contact != "privacy@alimama.example.com" ||
		rec.NoticeVersion != notice.Version || rec.NoticeHash != notice.Hash {
		t.Fatalf("the record does not say what happened: %+v %s", rec, rec.Evidence)
	}
	if !state().Granted("third_party_sharing@Alimama Ads") {
		t.Fatal("the consent naming the recipient the policy checks before sharing was not recorded")
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitSubject(t *testing.T, r *running, userID string) string {
	t.Helper()
	var sub string
	waitFor(t, func() bool {
		s, err := r.app.SubjectForUserID(context.Background(), userID)
		sub = s
		return err == nil
	}, "subject for "+userID)
	return sub
}

// Consent records say what happened: the real method (a server-side call, the SDK's banner,
// the privacy center), the notice actually shown or none, "refused" for a first no and
// "withdrawn" for a later one, the controller the manifest declares, and the language the
// person chose in (issue 16 item 3; ISO/IEC TS 27560).
func TestConsentRecordsSayWhatHappened(t *testing.T) {
	r := startApp(t)
	n := r.app.Regime.Current().Notice()
	// A server-side integration passes a consent flag it was told about: no notice shown.
	r.track(t, `{"batch":[{"type":"identify","userId":"rec-1","traits":{"email":"rec@example.com"},"context":{"library":{"name":"analytics-node"},"consent":{"categoryPreferences":{"Analytics":true}}}}]}`)
	// The banner, in Chinese, under the notice in force: a first "no" to personalisation.
	r.track(t, `{"batch":[{"type":"track","event":"Segment Consent Preference Updated","userId":"rec-1","properties":{},"context":{"library":{"name":"steward.js"},"consent":{"source":"banner","lang":"zh-CN","notice":{"version":"`+n.Version+`","hash":"`+n.Hash+`"},"categoryPreferences":{"Analytics":true,"Personalization":false}}}}]}`)
	tok := r.session(t, "rec-1")
	// Later, in the privacy center, analytics is withdrawn.
	if s, b := r.call(t, "POST", "/api/v1/me/consents", tok, `{"purpose":"analytics.reporting","granted":false}`); s != 204 {
		t.Fatalf("withdraw: %d %s", s, b)
	}
	_, b := r.call(t, "GET", "/api/v1/me/export?lang=en", tok, "")
	var exp struct {
		Consents []struct {
			Processing struct {
				PrivacyNotice struct{ Version, Hash string } `json:"privacy_notice"`
				Language      string
				Purposes      []struct{ Purpose string }
				Method        string `json:"collection_method"`
				Controllers   []struct {
					Name string `json:"party_name"`
					Type string `json:"party_type"`
				} `json:"pii_controllers"`
			}
			Event []struct {
				State string `json:"event_state"`
			}
		}
	}
	json.Unmarshal(b, &exp)
	type seen struct{ purpose, method, version, lang, state string }
	var got []seen
	for _, c := range exp.Consents {
		got = append(got, seen{c.Processing.Purposes[0].Purpose, c.Processing.Method, c.Processing.PrivacyNotice.Version, c.Processing.Language, c.Event[0].State})
		if c.Processing.Controllers[0].Name != "Steward Demo Shop (Shanghai) Co., Ltd." || len(c.Processing.Controllers) < 2 ||
			c.Processing.Controllers[1].Type != "personal_information_protection_officer" {
			t.Fatalf("controller block: %+v", c.Processing.Controllers)
		}
	}
	want := []seen{
		{"analytics.reporting", "api", "0", "en", "given"},                      // server-side: no notice shown
		{"personalize.content", "banner", n.Version, "zh-CN", "refused"},        // the banner's first "no"
		{"analytics.reporting", "privacy_center", n.Version, "en", "withdrawn"}, // a later "no"
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("receipts say\n%v\nwant\n%v", got, want)
	}
}
