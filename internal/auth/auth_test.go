package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// A data directory first started by an older version keeps its admin token, stored with the
// scopes that version knew. After an upgrade the token still holds every scope, the ones
// added since included; another admin token keeps exactly what it was given.
func TestAdminTokenHoldsScopesAddedAfterItWasMade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// What an older version left: the token file, the operator, a token with one scope.
	const secret = "stw_op_olderversionsecretolderversionsecret"
	if err := os.WriteFile(filepath.Join(dir, auth.AdminTokenFile), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := st.CreateOperator(ctx, store.Operator{ID: "op_admin", Name: "admin", Role: string(auth.RoleAdmin), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	old := []string{string(auth.AllScopes[0])}
	if err := st.CreateToken(ctx, store.Token{ID: "tok_admin", OperatorID: "op_admin", Name: "admin-token", Hash: auth.Digest(secret), Scopes: old, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	other := "stw_op_anotheradmintokenanotheradmintoken"
	if err := st.CreateToken(ctx, store.Token{ID: "tok_other", OperatorID: "op_admin", Name: "narrow", Hash: auth.Digest(other), Scopes: old, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	svc := auth.New(st, time.Now)
	if _, err := svc.Bootstrap(ctx, dir); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range auth.AllScopes {
		if !p.Has(sc) {
			t.Fatalf("the admin token lacks %s after an upgrade: %v", sc, p.Scopes)
		}
	}
	q, err := svc.Authenticate(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Scopes) != 1 || string(q.Scopes[0]) != old[0] {
		t.Fatalf("a narrow admin token widened: %v", q.Scopes)
	}
}
