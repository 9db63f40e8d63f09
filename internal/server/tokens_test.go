package server_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// issue 17 item 2: a token can only mint tokens with scopes it holds itself, never
// beyond; it cannot revoke a token stronger than itself; TTLs are bounded.
func TestTokenCannotEscalate(t *testing.T) {
	h := newHarness(t)
	// A token of the admin operator, limited to tokens:write.
	r := h.do("POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", strings.NewReader(`{"name":"minter","scopes":["tokens:write"]}`))
	if r.status != 201 {
		t.Fatalf("issue minter = %d %s", r.status, r.body)
	}
	var minter struct {
		ID, Token string
		Scopes    []string
	}
	json.Unmarshal(r.body, &minter)

	// Omitting scopes must not mean "every scope of the role".
	r = h.do("POST", "/api/v1/operators/op_admin/tokens", minter.Token, "application/json", strings.NewReader(`{"name":"all"}`))
	if r.status == 201 {
		var got struct{ Scopes []string }
		json.Unmarshal(r.body, &got)
		if len(got.Scopes) != 1 || got.Scopes[0] != "tokens:write" {
			t.Fatalf("a tokens:write token minted a token with scopes %v", got.Scopes)
		}
	} else if r.status != 403 && r.status != 400 {
		t.Fatalf("mint without scopes = %d %s", r.status, r.body)
	}
	// Naming a scope it lacks is refused.
	r = h.do("POST", "/api/v1/operators/op_admin/tokens", minter.Token, "application/json", strings.NewReader(`{"name":"x","scopes":["keys:rotate"]}`))
	if r.status != 403 {
		t.Fatalf("mint beyond own scopes = %d %s", r.status, r.body)
	}
	// It cannot revoke the bootstrap admin token, which holds scopes it lacks.
	r = h.do("DELETE", "/api/v1/tokens/tok_admin", minter.Token, "", nil)
	if r.status != 403 {
		t.Fatalf("weak token revoking the admin token = %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/operators", h.admin, "", nil); r.status != 200 {
		t.Fatalf("admin token no longer works: %d", r.status)
	}
	// It may revoke a token no stronger than itself (here: its own).
	if r := h.do("DELETE", "/api/v1/tokens/"+minter.ID, minter.Token, "", nil); r.status != 204 {
		t.Fatalf("revoke own token = %d %s", r.status, r.body)
	}
}

func TestTokenTTLIsBounded(t *testing.T) {
	h := newHarness(t)
	for _, ttl := range []string{fmt.Sprint(int64(math.MaxInt64)), fmt.Sprint(int64(math.MaxInt64 / 1000)), "99999999999"} {
		r := h.do("POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", strings.NewReader(`{"name":"x","scopes":["sources:read"],"ttl_seconds":`+ttl+`}`))
		if r.status == 201 {
			var got struct {
				ExpiresAt *time.Time `json:"expires_at"`
			}
			json.Unmarshal(r.body, &got)
			t.Fatalf("ttl_seconds %s accepted; expires_at %v", ttl, got.ExpiresAt)
		}
		if r.status != 400 {
			t.Fatalf("ttl_seconds %s = %d %s", ttl, r.status, r.body)
		}
	}
	// Without a TTL, a token minted through the API still expires.
	r := h.do("POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", strings.NewReader(`{"name":"x","scopes":["sources:read"]}`))
	var got struct {
		Scopes    []string
		ExpiresAt *time.Time `json:"expires_at"`
	}
	json.Unmarshal(r.body, &got)
	if r.status != 201 || got.ExpiresAt == nil || got.ExpiresAt.After(time.Now().Add(366*24*time.Hour)) {
		t.Fatalf("default ttl = %d %s", r.status, r.body)
	}
	if !slices.Equal(got.Scopes, []string{"sources:read"}) {
		t.Fatalf("scopes = %v", got.Scopes)
	}
}
