package regime_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// Two services over one store, as two nodes: a version published through one is put in
// force on the other by CatchUp, its listeners told once; nothing newer, nothing happens.
func TestCatchUpTakesVersionsPublishedElsewhere(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := regime.Open(ctx, regime.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	b, err := regime.Open(ctx, regime.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	b.OnPublish(func(context.Context, *regime.Regime) error { told++; return nil })
	y := strings.Replace(string(manifest.DefaultYAML()), "version: 1\n", "version: 2\n", 1)
	sum, err := a.Publish(ctx, []byte(y), "test")
	if err != nil {
		t.Fatal(err)
	}
	if b.Current().Notice().Version == a.Current().Notice().Version {
		t.Fatal("b saw the version before catching up")
	}
	if err := b.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Current().Notice() != a.Current().Notice() || b.Current().Manifest().Version() != 2 || told != 1 {
		t.Fatalf("after catching up: %+v vs %+v (version %d), told %d; published %d", b.Current().Notice(), a.Current().Notice(),
			b.Current().Manifest().Version(), told, sum.Seq)
	}
	if err := b.CatchUp(ctx); err != nil || told != 1 {
		t.Fatalf("nothing new: told %d, %v", told, err)
	}
	if !b.KnownNotice(a.Current().Notice().Version, a.Current().Notice().Hash) {
		t.Fatal("b does not know the notice published through a")
	}
}
