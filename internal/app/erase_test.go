package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// allRules sees every event and field; allowAll allows every read: the test looks at
// whether ciphertext opens at all.
type allRules struct{}

func (allRules) EventType(t, e string) string                  { return t }
func (allRules) EventUses(string) []access.Use                 { return []access.Use{{Category: "any"}} }
func (allRules) Field(string, string) (string, []string, bool) { return "any", nil, true }
func (allRules) Identifier(string) bool                        { return false }

type allowAll struct{}

func (allowAll) For(context.Context, string, consent.State) (func(string, string) (access.Effect, string), error) {
	return func(string, string) (access.Effect, string) { return access.Allow, "" }, nil
}

func readCopy(t *testing.T, dir string, st store.Store, subjects []string) int {
	t.Helper()
	ring, err := keyring.Open(filepath.Join(dir, "keys"), false)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Keyring: ring, Keys: st, Tombstones: ring})
	if err != nil {
		t.Fatal(err)
	}
	r := access.New(access.Config{Store: st, Opener: v, Rules: allRules{}, Decider: allowAll{}})
	n := 0
	for _, s := range subjects {
		evs, err := r.Events(context.Background(), access.Request{Purpose: "rights.access", SubjectID: s})
		if err != nil {
			t.Fatal(err)
		}
		n += len(evs)
	}
	return n
}

// Deleting the account from the privacy center erases the person — including their merged
// anonymous history — at once; the completeness check finds nothing; and a copy of the
// database taken before the erasure can no longer be read for them (issue 6 item 4,
// issue 9 item 3).
func TestEraseIsCompleteAndDefeatsOlderCopies(t *testing.T) {
	r := startApp(t)
	ctx := context.Background()
	// A known customer (first device), then an anonymous visit on a second device, then
	// the sign-in there: the anonymous history is merged into the customer.
	r.track(t, `{"batch":[{"type":"identify","userId":"erase-me","anonymousId":"anon-y","traits":{"phone":"13812345678"}}]}`)
	r.track(t, `{"batch":[{"type":"track","event":"Product Viewed","anonymousId":"anon-x","properties":{"product_id":"p1"},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}}]}`)
	r.track(t, `{"batch":[
		{"type":"identify","userId":"erase-me","anonymousId":"anon-x","traits":{"email":"erase.me@example.com","name":"王五"}},
		{"type":"identify","userId":"keep-me","traits":{"email":"keep.me@example.com"}}]}`)
	sub, err := r.app.SubjectForUserID(ctx, "erase-me")
	if err != nil {
		t.Fatal(err)
	}
	fam, _ := r.app.Store.SubjectFamily(ctx, sub)
	copyPath := filepath.Join(t.TempDir(), "before.db")
	if err := r.app.Store.(*sqlite.Store).VacuumInto(ctx, copyPath); err != nil {
		t.Fatal(err)
	}
	old, err := sqlite.Open(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if n := readCopy(t, r.app.Config.DataDir, old, fam); n < 2 {
		t.Fatalf("the copy should read before the erasure: %d events", n)
	}

	status, body := r.call(t, "POST", "/api/v1/subjects/erase-me/sessions", r.admin, "")
	if status != 201 {
		t.Fatalf("mint: %d %s", status, body)
	}
	var minted struct{ Token string }
	json.Unmarshal(body, &minted)
	status, body = r.call(t, "DELETE", "/api/v1/me", minted.Token, "")
	var rep rights.ErasureReport
	json.Unmarshal(body, &rep)
	if status != 200 || !rep.Complete || len(rep.Subjects) != 2 {
		t.Fatalf("erase: %d %s", status, body)
	}
	for k, n := range rep.Remaining {
		if n != 0 {
			t.Fatalf("completeness check: %s holds %d rows", k, n)
		}
	}
	if _, err := r.app.SubjectForUserID(ctx, "erase-me"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erased userId still resolves: %v", err)
	}
	if status, _ := r.call(t, "GET", "/api/v1/me", minted.Token, ""); status != 401 {
		t.Fatalf("session of an erased person still works: %d", status)
	}
	// The older copy still holds the rows and the wrapped keys, yet nothing opens.
	if n := readCopy(t, r.app.Config.DataDir, old, fam); n != 0 {
		t.Fatalf("a pre-erasure copy still reads %d events", n)
	}
	if raw, _ := old.CountEvents(ctx); raw < 3 {
		t.Fatalf("copy has %d events: the test lost its point", raw)
	}
	// Another person is untouched.
	if _, err := r.app.SubjectForUserID(ctx, "keep-me"); err != nil {
		t.Fatalf("another person was erased: %v", err)
	}
}

// No key, no start: a data directory whose keyring is gone refuses to open, and nothing
// is written in plaintext instead (issue 6 item 6).
func TestNoKeyringNoStart(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"u1","traits":{"email":"a@example.com"}}]}`)
	dir := r.app.Config.DataDir
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	// Same database, keys moved away.
	if err := r.app.Store.(*sqlite.Store).VacuumInto(context.Background(), filepath.Join(cfg.DataDir, "steward.db")); err != nil {
		t.Fatal(err)
	}
	_, err := app.Open(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "keyring") {
		t.Fatalf("opened without its keyring: %v (keys were in %s)", err, dir)
	}
}
