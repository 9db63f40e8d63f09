package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/store"
)

// Compression dictionaries (issue 27 item 1): ids are assigned in order, the latest per
// binding wins, and a dictionary can be neither changed nor deleted, because sealed rows
// name theirs by id.
func testDictionaries(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.LatestDictionary(ctx, "events.body"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("latest of none = %v, want ErrNotFound", err)
	}
	if _, err := s.GetDictionary(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get of none = %v, want ErrNotFound", err)
	}
	put := func(binding string, content []byte) int64 {
		id, err := s.PutDictionary(ctx, store.Dictionary{Binding: binding, Content: content, Samples: 2000, People: 100, MinPeople: 10, CreatedAt: ts(0)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := put("events.body", []byte("first\x00dictionary"))
	b := put("other.field", []byte("other"))
	c := put("events.body", []byte("second"))
	if !(a > 0 && b > a && c > b) {
		t.Fatalf("ids %d, %d, %d: want increasing", a, b, c)
	}
	latest, err := s.LatestDictionary(ctx, "events.body")
	if err != nil || latest.ID != c || string(latest.Content) != "second" {
		t.Fatalf("latest = %+v, %v; want id %d", latest, err, c)
	}
	got, err := s.GetDictionary(ctx, a)
	if err != nil || !bytes.Equal(got.Content, []byte("first\x00dictionary")) || got.Binding != "events.body" ||
		got.Samples != 2000 || got.People != 100 || got.MinPeople != 10 || !got.CreatedAt.Equal(ts(0)) {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if _, err := s.PutDictionary(ctx, store.Dictionary{Binding: "bad\x00binding", Content: []byte("x"), CreatedAt: ts(0)}); err == nil {
		t.Fatal("a binding with NUL was stored")
	}
}
