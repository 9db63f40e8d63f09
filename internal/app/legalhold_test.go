package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/rights"
)

// issue 17 (medium): order records kept under legal hold after an erasure are sealed under
// a legal-hold key: the database holds no plaintext JSON of them, and only the rights path
// opens them.
func TestLegalHoldRecordsAreSealed(t *testing.T) {
	r := startApp(t)
	ctx := context.Background()
	r.track(t, `{"batch":[{"type":"identify","userId":"hold-1","traits":{"city":"上海"}},
		{"type":"track","userId":"hold-1","event":"Order Completed","properties":{"order_id":"o-secret-77","total":88,"currency":"CNY"}}]}`)
	sub, err := r.app.SubjectForUserID(ctx, "hold-1")
	if err != nil {
		t.Fatal(err)
	}
	pseudonym := r.app.Rights.HoldPseudonym(sub)
	status, body := r.call(t, "POST", "/api/v1/subjects/hold-1/sessions", r.admin, "")
	var minted struct{ Token string }
	json.Unmarshal(body, &minted)
	status, body = r.call(t, "DELETE", "/api/v1/me", minted.Token, "")
	var rep rights.ErasureReport
	json.Unmarshal(body, &rep)
	if status != 200 || rep.Held != 1 {
		t.Fatalf("erase: %d %s", status, body)
	}
	db, err := sql.Open("sqlite", "file:"+r.app.Config.SQLitePath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw []byte
	if err := db.QueryRow("SELECT record FROM legal_hold").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "o-secret-77") || strings.Contains(string(raw), "order") || json.Valid(raw) {
		t.Fatalf("legal-hold record stored in clear: %q", raw)
	}
	recs, err := r.app.Rights.HeldRecords(ctx, pseudonym)
	if err != nil || len(recs) != 1 || !strings.Contains(string(recs[0].Record), "o-secret-77") {
		t.Fatalf("the rights path cannot open the held record: %+v, %v", recs, err)
	}
}
