package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stewardhq/steward/internal/store"
)

func testSubjectKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		k := store.SubjectKey{SubjectID: fmt.Sprintf("sub_%d", i), KEKID: "kek1", Wrapped: []byte{byte(i), 1, 2}, CreatedAt: ts(0)}
		if err := s.PutSubjectKey(ctx, k); err != nil {
			t.Fatalf("PutSubjectKey: %v", err)
		}
	}
	if err := s.PutSubjectKey(ctx, store.SubjectKey{SubjectID: "sub_0", KEKID: "kek1", Wrapped: []byte{9}, CreatedAt: ts(0)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second key for a subject: err = %v, want ErrConflict", err)
	}
	k, err := s.GetSubjectKey(ctx, "sub_3")
	if err != nil || k.KEKID != "kek1" || !bytes.Equal(k.Wrapped, []byte{3, 1, 2}) || !k.CreatedAt.Equal(ts(0)) {
		t.Fatalf("GetSubjectKey = %+v, %v", k, err)
	}
	// Rotation pages through keys not yet under the new KEK.
	page, err := s.ListSubjectKeys(ctx, "kek2", "", 2)
	if err != nil || len(page) != 2 || page[0].SubjectID != "sub_0" || page[1].SubjectID != "sub_1" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	ok, err := s.RewrapSubjectKey(ctx, store.SubjectKey{SubjectID: "sub_1", KEKID: "kek2", Wrapped: []byte{7}}, "kek1")
	if err != nil || !ok {
		t.Fatalf("rewrap = %v, %v", ok, err)
	}
	// A stale rewrap (the key moved on) changes nothing.
	if ok, _ := s.RewrapSubjectKey(ctx, store.SubjectKey{SubjectID: "sub_1", KEKID: "kek3", Wrapped: []byte{8}}, "kek1"); ok {
		t.Fatal("rewrap from a KEK the key is no longer under succeeded")
	}
	page, _ = s.ListSubjectKeys(ctx, "kek2", "sub_0", 10)
	if len(page) != 3 || page[0].SubjectID != "sub_2" {
		t.Fatalf("resumed page = %+v", page)
	}
	// Shredding.
	if err := s.DeleteSubjectKey(ctx, "sub_2"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSubjectKey(ctx, "sub_2"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	if _, err := s.GetSubjectKey(ctx, "sub_2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("shredded key still readable: %v", err)
	}
}
