package internal_test

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The house, as ../shared/DESIGN.md draws it: dependencies run one way. This test loads the
// import graph of every package (test files left out: tests may assemble whatever they
// need) and fails on any import against it.

const mod = "github.com/stewardhq/steward/"

// edge packages know HTTP and flags: the server and the command line, the UI the server
// mounts, and the harnesses that drive a running Steward from outside (the benchmarks, the
// demo shop's Segment client). Everything else under internal/ is domain or below it, so a
// new package is held to the domain rules until someone says otherwise here.
var edge = []string{"internal/server", "internal/cli", "internal/web", "internal/bench", "internal/demo",
	// The campaign channels deliver to the outside world (a shop's webhook, an ad platform's
	// audience API, an SMTP server): an outbound edge, holding no rule of the domain.
	"internal/campaign/channel"}

// backends are the store implementations; only the composition root, the command line and
// the benchmarks open them (and their own tests).
var backends = []string{"internal/store/sqlite", "internal/store/postgres"}

// below are the packages vault and audit sit beside: they never import the domain.
var below = []string{"internal/store", "internal/vault", "internal/audit", "internal/jsonscan"}

// io lists what "no I/O" forbids: the policy decision point is a pure function.
var io = []string{"os", "net", "net/http", "database/sql", "io/fs", "os/exec", "syscall", "log/slog"}

func rel(p string) string { return strings.TrimPrefix(p, mod) }

func under(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// violations returns every import in the graph that breaks a rule, as "pkg imports x: why".
func violations(graph map[string][]string) []string {
	var out []string
	bad := func(pkg, imp, why string) { out = append(out, pkg+" imports "+imp+": "+why) }
	for pkg, imps := range graph {
		if !strings.HasPrefix(pkg, "internal/") {
			continue
		}
		domain := !under(pkg, edge) && !under(pkg, backends) && pkg != "internal/app"
		for _, imp := range imps {
			switch {
			case imp == "internal/app" && pkg != "internal/cli":
				bad(pkg, imp, "nothing imports the composition root")
			case (imp == "net/http" || imp == "flag") && domain:
				bad(pkg, imp, "only the server and the command line know HTTP and flags")
			case under(imp, backends) && domain:
				bad(pkg, imp, "domain packages reach data through the store interfaces, never a backend")
			case under(pkg, []string{"internal/policy"}) && (slices.Contains(io, imp) || strings.HasPrefix(imp, "internal/store")):
				bad(pkg, imp, "the policy decision point does no I/O")
			case under(pkg, []string{"internal/vault", "internal/audit"}) && strings.HasPrefix(imp, "internal/") && !under(imp, below):
				bad(pkg, imp, "vault and audit sit below the domain and never import it")
			}
		}
	}
	sort.Strings(out)
	return out
}

func importGraph(t *testing.T, overlay map[string][]byte) map[string][]string {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedImports, Dir: "..", Overlay: overlay}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatal(err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("%d package errors", n)
	}
	g := map[string][]string{}
	for _, p := range pkgs {
		for imp := range p.Imports {
			g[rel(p.PkgPath)] = append(g[rel(p.PkgPath)], rel(imp))
		}
	}
	return g
}

func TestDependenciesRunOneWay(t *testing.T) {
	g := importGraph(t, nil)
	if len(g) < 20 {
		t.Fatalf("only %d packages loaded: the walk is broken", len(g))
	}
	if v := violations(g); len(v) > 0 {
		t.Fatalf("imports against the house:\n%s", strings.Join(v, "\n"))
	}
	t.Logf("checked the imports of %d packages", len(g))
}

// Each rule must catch a planted import (a test that cannot fail is a defect).
func TestArchitectureCatchesPlantedImports(t *testing.T) {
	plant := func(dir, pkg, imp string) map[string][]byte {
		abs, err := filepath.Abs(filepath.Join(dir, "zz_planted.go"))
		if err != nil {
			t.Fatal(err)
		}
		return map[string][]byte{abs: []byte("package " + pkg + "\n\nimport _ \"" + imp + "\"\n")}
	}
	for _, c := range []struct{ dir, pkg, imp, want string }{
		{"consent", "consent", "net/http", "internal/consent imports net/http"},
		{"datasets", "datasets", mod + "internal/app", "internal/datasets imports internal/app"},
		{"rights", "rights", mod + "internal/store/sqlite", "internal/rights imports internal/store/sqlite"},
		{"policy", "policy", "os", "internal/policy imports os"},
		{"audit", "audit", mod + "internal/taxonomy", "internal/audit imports internal/taxonomy"},
		{"gate", "gate", "flag", "internal/gate imports flag"},
	} {
		v := violations(importGraph(t, plant(c.dir, c.pkg, c.imp)))
		if !slices.ContainsFunc(v, func(s string) bool { return strings.HasPrefix(s, c.want) }) {
			t.Errorf("planted %s in %s not caught: %v", c.imp, c.dir, v)
		}
	}
}
