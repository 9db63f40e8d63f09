package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testCleanRoom checks the clean room's storage (issue 22): an invite is used once, in the
// same transaction that pins the partner; a key is pinned by one partner only; statuses
// change; a nonce is fresh once within its window (also under concurrent callers) and again
// after it; jobs are created once and updated only from the version read.
func testCleanRoom(t *testing.T, s store.Store) {
	cr, ok := s.(store.CleanRoom)
	if !ok {
		t.Skip("this store keeps no clean room")
	}
	ctx := context.Background()
	inv := store.PartnerInvite{ID: "inv_1", Secret: bytes.Repeat([]byte{7}, 32), URL: "https://a.example", Expires: ts(time.Hour), CreatedAt: ts(0), CreatedBy: "op_1"}
	if err := cr.CreatePartnerInvite(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if err := cr.CreatePartnerInvite(ctx, inv); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second invite with the same id = %v, want ErrConflict", err)
	}
	got, err := cr.PartnerInvite(ctx, "inv_1")
	if err != nil || !bytes.Equal(got.Secret, inv.Secret) || got.URL != inv.URL || !got.Expires.Equal(inv.Expires) || !got.UsedAt.IsZero() || got.CreatedBy != "op_1" {
		t.Fatalf("PartnerInvite = %+v, %v", got, err)
	}
	if _, err := cr.PartnerInvite(ctx, "inv_x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown invite = %v", err)
	}
	b := store.Partner{ID: "pt_b", KeyID: "key-b", URL: "https://b.example", Name: "b.example", Status: "active", Pairing: "pair-ab", Invited: true, CreatedAt: ts(time.Minute), UpdatedAt: ts(time.Minute)}
	if err := cr.UsePartnerInvite(ctx, "inv_x", ts(time.Minute), b); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("using an unknown invite = %v", err)
	}
	if err := cr.UsePartnerInvite(ctx, "inv_1", ts(time.Minute), b); err != nil {
		t.Fatal(err)
	}
	c := b
	c.ID, c.KeyID = "pt_c", "key-c"
	if err := cr.UsePartnerInvite(ctx, "inv_1", ts(2*time.Minute), c); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("using an invite twice = %v, want ErrConflict", err)
	}
	if _, err := cr.Partner(ctx, "pt_c"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused use pinned its partner: %v", err)
	}
	got, _ = cr.PartnerInvite(ctx, "inv_1")
	if !got.UsedAt.Equal(ts(time.Minute)) || got.PartnerID != "pt_b" {
		t.Fatalf("used invite = %+v", got)
	}
	// A key is pinned once, also through an invite (and then the invite stays unused).
	inv2 := inv
	inv2.ID = "inv_2"
	if err := cr.CreatePartnerInvite(ctx, inv2); err != nil {
		t.Fatal(err)
	}
	dup := b
	dup.ID = "pt_dup"
	if err := cr.UsePartnerInvite(ctx, "inv_2", ts(time.Minute), dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("pinning a pinned key = %v, want ErrConflict", err)
	}
	if got, _ := cr.PartnerInvite(ctx, "inv_2"); !got.UsedAt.IsZero() {
		t.Fatalf("a refused use marked the invite used: %+v", got)
	}
	if err := cr.CreatePartner(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreatePartner with a pinned key = %v", err)
	}
	a := store.Partner{ID: "pt_a", KeyID: "key-a", URL: "https://a2.example", Name: "a", Status: "active", Pairing: "pair-xa", CreatedAt: ts(2 * time.Minute), UpdatedAt: ts(2 * time.Minute)}
	if err := cr.CreatePartner(ctx, a); err != nil {
		t.Fatal(err)
	}
	p, err := cr.PartnerByKey(ctx, "key-b")
	if err != nil || p.ID != "pt_b" || p.URL != b.URL || p.Status != "active" || p.Pairing != "pair-ab" || !p.Invited || !p.CreatedAt.Equal(b.CreatedAt) {
		t.Fatalf("PartnerByKey = %+v, %v", p, err)
	}
	if _, err := cr.PartnerByKey(ctx, "key-z"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key = %v", err)
	}
	if err := cr.SetPartnerStatus(ctx, "pt_b", "suspended", ts(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := cr.SetPartnerStatus(ctx, "pt_z", "suspended", ts(3*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("status of an unknown partner = %v", err)
	}
	ps, err := cr.Partners(ctx)
	if err != nil || len(ps) != 2 || ps[0].ID != "pt_b" || ps[0].Status != "suspended" || !ps[0].UpdatedAt.Equal(ts(3*time.Minute)) || ps[1].ID != "pt_a" || ps[1].Invited {
		t.Fatalf("Partners = %+v, %v", ps, err)
	}

	// Nonces: fresh once within the window, again after it; per key.
	now := ts(0)
	remember := func(key, nonce string, until, now time.Time) bool {
		t.Helper()
		fresh, err := cr.RememberNonce(ctx, key, nonce, until, now)
		if err != nil {
			t.Fatal(err)
		}
		return fresh
	}
	if !remember("key-b", "n1", now.Add(5*time.Minute), now) {
		t.Fatal("a new nonce is not fresh")
	}
	if remember("key-b", "n1", now.Add(6*time.Minute), now.Add(time.Minute)) {
		t.Fatal("a nonce replayed within its window is fresh")
	}
	if !remember("key-a", "n1", now.Add(5*time.Minute), now) {
		t.Fatal("the same nonce of another key is not fresh")
	}
	if !remember("key-b", "n1", now.Add(15*time.Minute), now.Add(10*time.Minute)) {
		t.Fatal("a nonce past its window is not fresh again")
	}
	if remember("key-b", "n1", now.Add(16*time.Minute), now.Add(11*time.Minute)) {
		t.Fatal("the renewed nonce is fresh again within its new window")
	}
	// The sweep (nonces starting with 'A') removes expired rows and keeps live ones.
	if !remember("key-b", "Asweep", now.Add(30*time.Minute), now.Add(20*time.Minute)) {
		t.Fatal("sweeping nonce not fresh")
	}
	if remember("key-b", "Asweep", now.Add(31*time.Minute), now.Add(21*time.Minute)) {
		t.Fatal("the sweep removed a live nonce")
	}
	// Concurrent callers with one nonce: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fresh, err := cr.RememberNonce(ctx, "key-c", "race", now.Add(5*time.Minute), now)
			if err != nil {
				t.Error(err)
				return
			}
			if fresh {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent callers found the same nonce fresh, want 1", wins)
	}

	// Jobs.
	j := store.CleanRoomJob{ID: "crj_1", PartnerID: "pt_b", Role: "initiator", State: "proposed", CreatedAt: ts(time.Hour), UpdatedAt: ts(time.Hour), Doc: []byte(`{"a":1}`)}
	if err := cr.CreateCleanRoomJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := cr.CreateCleanRoomJob(ctx, j); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second job with one id = %v", err)
	}
	j2 := j
	j2.ID, j2.Role, j2.CreatedAt = "crj_2", "partner", ts(2*time.Hour)
	if err := cr.CreateCleanRoomJob(ctx, j2); err != nil {
		t.Fatal(err)
	}
	got1, err := cr.CleanRoomJob(ctx, "crj_1")
	if err != nil || got1.Version != 1 || got1.State != "proposed" || string(got1.Doc) != `{"a":1}` || got1.PartnerID != "pt_b" || !got1.CreatedAt.Equal(ts(time.Hour)) {
		t.Fatalf("CleanRoomJob = %+v, %v", got1, err)
	}
	upd := got1
	upd.State, upd.Doc, upd.UpdatedAt = "approved", []byte(`{"a":2}`), ts(90*time.Minute)
	after, err := cr.UpdateCleanRoomJob(ctx, upd)
	if err != nil || after.Version != 2 || after.State != "approved" || string(after.Doc) != `{"a":2}` || !after.UpdatedAt.Equal(ts(90*time.Minute)) {
		t.Fatalf("UpdateCleanRoomJob = %+v, %v", after, err)
	}
	if _, err := cr.UpdateCleanRoomJob(ctx, upd); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update from a stale version = %v, want ErrConflict", err)
	}
	ghost := upd
	ghost.ID = "crj_x"
	if _, err := cr.UpdateCleanRoomJob(ctx, ghost); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of an unknown job = %v, want ErrNotFound", err)
	}
	js, err := cr.CleanRoomJobs(ctx, 10)
	if err != nil || len(js) != 2 || js[0].ID != "crj_2" || js[1].ID != "crj_1" || js[1].State != "approved" {
		t.Fatalf("CleanRoomJobs = %+v, %v", js, err)
	}
	if js, _ := cr.CleanRoomJobs(ctx, 1); len(js) != 1 {
		t.Fatalf("limit 1 gave %d", len(js))
	}
}
