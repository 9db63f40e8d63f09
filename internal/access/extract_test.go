package access_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// An extract is sealed under the person's own key, opens only for its purpose, dies with
// the key, and sealing one never creates a key for someone erased.
func TestExtractsSealedUnderTheSubjectsKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.Open(filepath.Join(dir, "keys"), true)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Keyring: ring, Keys: st, Tombstones: ring})
	if err != nil {
		t.Fatal(err)
	}
	r := access.New(access.Config{Store: st, Opener: v, Sealer: v, Keys: st})
	// The subject's key exists because their events were sealed under it.
	if _, err := v.Seal(ctx, nil, "sub_a", vault.Binding{Table: "events", Field: "body"}, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	req := access.Request{Purpose: "analytics.reporting", SubjectID: "sub_a", Viewer: access.ViewerSystem}
	extract := []byte("Order Completed 2026-05-01 total=129.5")
	sealed, err := r.SealExtract(ctx, req, extract)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("Order Completed")) {
		t.Fatal("the sealed extract holds the plaintext")
	}
	got, err := r.OpenExtract(ctx, req, sealed)
	if err != nil || !bytes.Equal(got, extract) {
		t.Fatalf("open = %q, %v", got, err)
	}
	other := req
	other.Purpose = "personalize.content"
	if _, err := r.OpenExtract(ctx, other, sealed); !errors.Is(err, vault.ErrBinding) {
		t.Fatalf("opened for another purpose: %v", err)
	}
	if _, err := r.SealExtract(ctx, access.Request{SubjectID: "sub_a"}, extract); !errors.Is(err, access.ErrDenied) {
		t.Fatalf("sealed without a purpose: %v", err)
	}

	// Nobody's key is created by sealing an extract.
	ghost := req
	ghost.SubjectID = "sub_erased"
	if _, err := r.SealExtract(ctx, ghost, extract); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("seal for a subject without a key: %v", err)
	}
	if _, err := st.GetSubjectKey(ctx, "sub_erased"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sealing an extract created a key: %v", err)
	}

	// Erasure shreds the key: the extract reads as nothing.
	if err := v.Shred(ctx, "sub_a"); err != nil {
		t.Fatal(err)
	}
	if got, err := r.OpenExtract(ctx, req, sealed); err != nil || got != nil {
		t.Fatalf("after shredding: %q, %v", got, err)
	}
	if _, err := access.New(access.Config{Store: st, Opener: v}).SealExtract(ctx, req, extract); !errors.Is(err, access.ErrNoExtracts) {
		t.Fatalf("a reader without a sealer: %v", err)
	}
}
