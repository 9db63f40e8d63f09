package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/vault"
)

// Event bodies go through the real ingestion compressed with a dictionary trained on the
// shop's own first events; an operator can retrain it on demand; rows sealed with the old
// dictionary and with none keep opening for the person (issue 27 item 1).
func TestEventBodiesCompressedAndRetrained(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests two small demo shops")
	}
	r := startApp(t)
	ctx := context.Background()
	bodies := vault.Binding{Table: "events", Field: "body"}
	send := func(seed uint64, subjects int) demo.Subject {
		cfg := demo.Config{Seed: seed, Subjects: subjects, Now: time.Now().UTC().Add(-time.Minute)}
		if _, err := demo.Generate(cfg, func(batch []byte) error { r.track(t, string(batch)); return nil }); err != nil {
			t.Fatal(err)
		}
		people, err := demo.Subjects(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return people[0]
	}
	waitDict := func(not int64) int64 {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if id := r.app.Vault.DictionaryID(bodies); id != not && id != 0 {
				return id
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no new dictionary (still %d)", not)
		return 0
	}
	first := send(1, 150)
	d1 := waitDict(0)

	if s, b := r.call(t, "POST", "/api/v1/vault/dictionaries/retrain", "", ""); s != 401 {
		t.Fatalf("retrain without a token: %d %s", s, b)
	}
	s, b := r.call(t, "POST", "/api/v1/vault/dictionaries/retrain", r.admin, "")
	var got struct {
		Binding  string `json:"binding"`
		Current  int64  `json:"current"`
		Training bool   `json:"training"`
	}
	if s != 202 || json.Unmarshal(b, &got) != nil || got.Binding != "events.body" || got.Current != d1 || !got.Training {
		t.Fatalf("retrain: %d %s", s, b)
	}
	send(2, 150)
	d2 := waitDict(d1)
	// Under load the whole second shop can be sealed before d2 is trained from it: a few
	// shoppers more, sealed once d2 is in force, are what must carry it.
	send(3, 10)

	// On disk: early bodies sealed as they were (format 1) or without a dictionary, then
	// with d1, then with d2; none holds the JSON in clear.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.app.Config.DataDir, "steward.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT body FROM events ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for rows.Next() {
		var body []byte
		rows.Scan(&body)
		if strings.Contains(string(body), "messageId") {
			t.Fatal("an event body is stored in clear")
		}
		key := "format 1"
		if body[0] == 2 {
			key = map[bool]string{true: "dictionary " + string(rune('0'+body[1])), false: "no dictionary"}[body[1] != 0]
		}
		seen[key]++
	}
	rows.Close()
	if seen["dictionary "+string(rune('0'+d1))] == 0 || seen["dictionary "+string(rune('0'+d2))] == 0 {
		t.Fatalf("bodies by format: %v (dictionaries %d, %d)", seen, d1, d2)
	}
	// The first shopper's events, sealed before and with d1, open for the person.
	sub, err := r.app.SubjectForUserID(ctx, first.UserID)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := r.app.Reader.Events(ctx, access.Request{Actor: "subject", Viewer: access.ViewerSubject, Purpose: access.PurposeRightsAccess, SubjectID: sub, Limit: 1000})
	if err != nil || len(evs) == 0 {
		t.Fatalf("the first shopper's events: %d, %v", len(evs), err)
	}
	for _, e := range evs {
		if e.Fields["messageId"] == nil {
			t.Fatalf("event %d opened without its message id: %v", e.Seq, e.Fields)
		}
	}
	t.Logf("bodies by format: %v", seen)
}
