package signin_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/signin"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

type recorder struct{ events []audit.Event }

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.events = append(r.events, e)
	return nil
}

// An identity signs in as the operator whose login it matches — by issuer and subject, or by
// a verified email — and gets a token of the operator's role that expires; an unverified
// email or an unknown subject signs nobody in and mints nothing.
func TestSignInMatchesRecordedLogins(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	as := auth.New(st, nil)
	li, _ := as.CreateOperator(ctx, "li.na", auth.RoleMarketer)
	wang, _ := as.CreateOperator(ctx, "wang", auth.RolePrivacyOfficer)
	rec := &recorder{}
	svc := signin.New(signin.Config{Logins: st, Tokens: as, Recorder: rec})
	if err := svc.SetLogin(ctx, signin.Login{OperatorID: li.ID, Issuer: "https://idp.example", Subject: "u1"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetLogin(ctx, signin.Login{OperatorID: wang.ID, Email: "Wang@Shop.example"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []signin.Login{{OperatorID: li.ID}, {OperatorID: li.ID, Subject: "u1"}, {OperatorID: li.ID, Email: "not an address"}} {
		if err := svc.SetLogin(ctx, bad); !errors.Is(err, signin.ErrInvalid) {
			t.Errorf("SetLogin(%+v) = %v", bad, err)
		}
	}

	secret, op, exp, err := svc.SignIn(ctx, signin.Identity{Issuer: "https://idp.example", Subject: "u1"})
	if err != nil || op.ID != li.ID || time.Until(exp) > signin.DefaultSessionTTL || time.Until(exp) < signin.DefaultSessionTTL-time.Minute {
		t.Fatalf("sign in by subject: %+v %v %v", op, exp, err)
	}
	p, err := as.Authenticate(ctx, secret)
	if err != nil || p.Operator.ID != li.ID || !p.Has(auth.ScopeSegmentsWrite) || p.Has(auth.ScopeRightsRead) {
		t.Fatalf("the session: %+v %v", p, err)
	}
	if len(rec.events) != 1 || rec.events[0].Act != audit.ActOperatorSignin || rec.events[0].Actor != li.ID || rec.events[0].Detail["method"] != "oidc" {
		t.Fatalf("recorded = %+v", rec.events)
	}
	if _, op, _, err := svc.SignIn(ctx, signin.Identity{Issuer: "https://other", Subject: "x", Email: "wang@shop.example", EmailVerified: true}); err != nil || op.ID != wang.ID {
		t.Fatalf("sign in by verified email: %+v %v", op, err)
	}
	for _, id := range []signin.Identity{
		{Issuer: "https://other", Subject: "x", Email: "wang@shop.example"}, // not verified
		{Issuer: "https://other", Subject: "u1"},                            // the subject of another issuer
		{Issuer: "https://idp.example", Subject: "u2", Email: "x@y.example", EmailVerified: true},
	} {
		if _, _, _, err := svc.SignIn(ctx, id); !errors.Is(err, signin.ErrUnknownOperator) {
			t.Errorf("SignIn(%+v) = %v", id, err)
		}
	}
	if ts, _ := st.ListTokens(ctx, ""); len(ts) != 2 {
		t.Fatalf("refused sign-ins minted tokens: %d tokens", len(ts))
	}
	if len(rec.events) != 2 {
		t.Fatalf("recorded = %d acts", len(rec.events))
	}
}
