package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testManifests(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.LatestManifestVersion(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty latest: %v", err)
	}
	a, err := s.AddManifestVersion(ctx, store.ManifestVersion{Hash: "h1", YAML: []byte("version: 1\n"), Actor: "system", CreatedAt: ts(0)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AddManifestVersion(ctx, store.ManifestVersion{Hash: "h2", YAML: []byte("version: 2\n"), Actor: "op_1", CreatedAt: ts(time.Hour)})
	if err != nil || b <= a {
		t.Fatalf("seqs %d, %d, %v", a, b, err)
	}
	latest, err := s.LatestManifestVersion(ctx)
	if err != nil || latest.Seq != b || string(latest.YAML) != "version: 2\n" || latest.Actor != "op_1" || !latest.CreatedAt.Equal(ts(time.Hour)) {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	first, err := s.ManifestVersion(ctx, a)
	if err != nil || first.Hash != "h1" {
		t.Fatalf("first = %+v, %v", first, err)
	}
	list, err := s.ManifestVersions(ctx)
	if err != nil || len(list) != 2 || list[0].Seq != b || list[0].YAML != nil {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := s.ManifestVersion(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}
