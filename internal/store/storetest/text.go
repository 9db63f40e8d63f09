package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testText: a write of text PostgreSQL cannot hold (a NUL, invalid UTF-8) fails with
// ErrInvalid on every backend and stores nothing (issue 17 item 7).
func testText(t *testing.T, s store.Store) {
	ctx := context.Background()
	bad := []string{"a\x00b", "\xff\xfe"}
	for _, v := range bad {
		evs := events("src", 0, 2)
		evs[1].MessageID = v
		if _, err := s.InsertEvents(ctx, evs); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("InsertEvents(messageId %q) err = %v; want ErrInvalid", v, err)
		}
		evs = events("src", 0, 1)
		evs[0].Name = v
		if _, err := s.InsertEvents(ctx, evs); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("InsertEvents(name %q) err = %v; want ErrInvalid", v, err)
		}
		if err := s.CreateOperator(ctx, store.Operator{ID: "op_" + v, Name: "n" + v, Role: "admin", CreatedAt: ts(0)}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateOperator(%q) err = %v; want ErrInvalid", v, err)
		}
		if err := s.CreateSource(ctx, store.Source{ID: "src_x", Name: v, KeyHash: []byte("0123456789abcdef0123456789abcde" + v), CreatedAt: ts(0)}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateSource(%q) err = %v; want ErrInvalid", v, err)
		}
	}
	if n, err := s.CountEvents(ctx); err != nil || n != 0 {
		t.Fatalf("CountEvents = %d, %v; want nothing stored", n, err)
	}
	// The same writes with clean text succeed.
	if n, err := s.InsertEvents(ctx, events("src", 0, 2)); err != nil || n != 2 {
		t.Fatalf("clean InsertEvents = %d, %v", n, err)
	}
	if err := s.CreateOperator(ctx, store.Operator{ID: "op_ok", Name: "李娜", Role: "admin", CreatedAt: ts(time.Second)}); err != nil {
		t.Fatal(err)
	}
}
