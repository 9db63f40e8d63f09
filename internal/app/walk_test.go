package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// A shopper walks through the privacy center: views their data, withdraws a consent,
// downloads their data (the file holds it and validates against the published schema),
// deletes their account; the completeness check finds nothing, and a byte scan of the
// database files finds none of their identifiers (issue 9 acceptance).
func TestPrivacyCenterWalkThrough(t *testing.T) {
	r := startApp(t)
	const email, phone, name = "walk.through@example.com", "13912345678", "Walk Through"
	r.track(t, `{"batch":[
		{"type":"identify","userId":"walk-1","anonymousId":"anon-walk","traits":{"email":"`+email+`","phone":"`+phone+`","name":"`+name+`"}},
		{"type":"track","userId":"walk-1","event":"Product Viewed","properties":{"product_id":"p-9"},"context":{"consent":{"categoryPreferences":{"Analytics":true,"Personalization":true}}}},
		{"type":"track","userId":"walk-1","event":"Order Completed","properties":{"order_id":"o-walk","total":88,"currency":"CNY"}},
		{"type":"identify","userId":"walk-2","traits":{"email":"stays@example.com"}}]}`)
	url := ""
	{
		status, body := r.call(t, "POST", "/api/v1/subjects/walk-1/sessions", r.admin, "")
		var m struct{ URL string }
		json.Unmarshal(body, &m)
		if status != 201 {
			t.Fatalf("mint: %d %s", status, body)
		}
		url = m.URL
	}
	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(url+"&lang=en"), chromedp.WaitVisible(css("#data-table tbody tr")))
	inv := evalJS[string](p, `document.querySelector('#data-table tbody').innerText`)
	if !strings.Contains(inv, "email address") || !strings.Contains(inv, "purchase history") {
		t.Fatalf("inventory = %q", inv)
	}
	// Withdraw the analytics consent the shopper gave through the shop's banner.
	p.do(chromedp.WaitVisible(css(`#consent-analytics-reporting[aria-pressed="true"]`)),
		chromedp.Click(css("#consent-analytics-reporting")),
		chromedp.WaitVisible(css(`#consent-analytics-reporting[aria-pressed="false"]`)))
	// Download: the file the page offers.
	p.do(chromedp.Click(css("#download")), chromedp.WaitVisible(css("#download-ready")))
	file, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(document.getElementById('export-link').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(file, email) || !strings.Contains(file, "o-walk") || !strings.Contains(file, "ISO/IEC TS 27560:2023") {
		t.Fatalf("export lacks the shopper's data: %.400s", file)
	}
	schemaBytes, _ := server.Schema("export.json")
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaBytes))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("export.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("export.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("export does not validate against the schema: %v", err)
	}
	// The schema is published.
	if status, body := r.call(t, "GET", "/api/v1/schemas/export.json", "", ""); status != 200 || !bytes.Equal(body, schemaBytes) {
		t.Fatalf("schema: %d", status)
	}
	// Delete the account: two clicks, then the page says it is done.
	sub, _ := r.app.SubjectForUserID(t.Context(), "walk-1")
	fam, _ := r.app.Store.SubjectFamily(t.Context(), sub)
	p.do(chromedp.Click(css("#delete-account")), chromedp.Click(css("#delete-confirm")), chromedp.WaitVisible(css("#deleted")))
	for _, id := range fam {
		fp, err := r.app.Store.SubjectFootprint(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range fp {
			if n != 0 {
				t.Fatalf("completeness: %s holds %d rows", k, n)
			}
		}
	}
	// The order record is kept, pseudonymised, for accounting law.
	status, body := r.call(t, "GET", "/api/v1/rights-requests", r.admin, "")
	if status != 200 || !strings.Contains(string(body), "account_deletion") {
		t.Fatalf("queue: %d %s", status, body)
	}
	// Byte scan of every database file: none of the shopper's identifiers.
	if err := r.app.Store.(*sqlite.Store).Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range []string{"steward.db", "steward.db-wal", "steward.db-shm"} {
		b, _ := os.ReadFile(filepath.Join(r.app.Config.DataDir, f))
		all = append(all, b...)
	}
	for _, needle := range []string{email, phone, name, "walk-1", "anon-walk"} {
		if bytes.Contains(all, []byte(needle)) {
			t.Fatalf("database files still hold %q", needle)
		}
	}
	// The order record survives in the legal-hold area, without any identifier, sealed: the
	// files do not hold it in clear, the rights path opens it (issue 17).
	if bytes.Contains(all, []byte("o-walk")) {
		t.Fatal("the legal-hold order record is in clear in the database files")
	}
	held, err := r.app.Rights.HeldRecords(t.Context(), r.app.Rights.HoldPseudonym(fam[0]))
	if err != nil || len(held) == 0 || !bytes.Contains(held[0].Record, []byte("o-walk")) {
		t.Fatalf("the order record was not kept in the legal-hold area: %+v, %v", held, err)
	}
}
