package access_test

import (
	"go/ast"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// rawLayer lists the raw query layer: reads of personal data that return it without a
// purpose check. Only the packages in mayCallRaw may call them (issue 3 item 4,
// "enforcement by construction").
var rawLayer = map[string]bool{
	"RawSubjectEvents": true, // store: sealed events of a subject
}

// vaultOpen is the vault's decrypt; opening personal data outside the reader would be a
// purpose-less read too.
const vaultPkg = "github.com/stewardhq/steward/internal/vault"

// mayCallRaw: the purpose-scoped reader, the store itself (backends, conformance suite), the
// vault's own tests, and the benchmarks (which measure sealing and opening synthetic
// profiles; they never run in the product and read no stored data).
var mayCallRaw = []string{
	"github.com/stewardhq/steward/internal/access",
	"github.com/stewardhq/steward/internal/store",
	"github.com/stewardhq/steward/internal/vault",
	"github.com/stewardhq/steward/internal/bench",
}

func allowed(pkg string) bool {
	pkg = strings.TrimSuffix(pkg, "_test")
	for _, p := range mayCallRaw {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// TestNoPackageBypassesThePurposeScopedReader type-checks every package of the module and
// fails on any call of the raw layer from anywhere else. Test files are left out: tests
// of encryption and erasure must look at ciphertext directly, and they never run in the
// product.
func TestNoPackageBypassesThePurposeScopedReader(t *testing.T) {
	offenders, checked, rawCalls := scan(t, nil, "./...")
	if len(offenders) > 0 {
		t.Fatalf("purpose-less reads outside the reader:\n%s", strings.Join(offenders, "\n"))
	}
	if rawCalls == 0 {
		t.Fatal("found no call of the raw layer at all: the walk is broken")
	}
	t.Logf("checked %d packages; %d raw-layer calls, all inside %v", checked, rawCalls, mayCallRaw)
}

// The detector must catch a planted bypass (a test that cannot fail is a defect).
func TestBypassDetectorCatchesPlantedReads(t *testing.T) {
	abs, err := filepath.Abs("../collect/zz_planted_bypass.go")
	if err != nil {
		t.Fatal(err)
	}
	overlay := map[string][]byte{abs: []byte(`package collect

import (
	"context"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

func plantedRaw(st store.Store) { st.RawSubjectEvents(context.Background(), "s", 0, 1) }

func plantedOpen(v *vault.Vault) { v.Open(context.Background(), "s", vault.Binding{}, nil) }
`)}
	offenders, _, _ := scan(t, overlay, "./internal/collect")
	if len(offenders) != 2 {
		t.Fatalf("planted bypasses found: %v, want 2", offenders)
	}
}

func scan(t *testing.T, overlay map[string][]byte, pattern string) (offenders []string, checked, rawCalls int) {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax,
		Tests: false, Dir: "../..", Overlay: overlay}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		t.Fatal(err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("%d package errors", n)
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		checked++
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				obj := p.TypesInfo.Uses[sel.Sel]
				fn, ok := obj.(*types.Func)
				if !ok {
					return true
				}
				raw := rawLayer[fn.Name()] && isStoreMethod(fn)
				open := fn.Pkg() != nil && fn.Pkg().Path() == vaultPkg && fn.Name() == "Open" && isMethod(fn)
				if !raw && !open {
					return true
				}
				rawCalls++
				if !allowed(p.PkgPath) {
					pos := p.Fset.Position(sel.Pos())
					key := pos.String()
					if !seen[key] {
						seen[key] = true
						offenders = append(offenders, key+": "+p.PkgPath+" calls "+fn.FullName())
					}
				}
				return true
			})
		}
	}
	sort.Strings(offenders)
	return offenders, checked, rawCalls
}

func isMethod(fn *types.Func) bool {
	sig, _ := fn.Type().(*types.Signature)
	return sig != nil && sig.Recv() != nil
}

func isStoreMethod(fn *types.Func) bool {
	return isMethod(fn) && fn.Pkg() != nil && strings.HasPrefix(fn.Pkg().Path(), "github.com/stewardhq/steward/internal/store")
}
