package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// fakeSubjects maps shop userIds to subjects; Me echoes the subject and language.
type fakeSubjects map[string]string

func (f fakeSubjects) SubjectForUserID(_ context.Context, userID string) (string, error) {
	if s, ok := f[userID]; ok {
		return s, nil
	}
	return "", store.ErrNotFound
}

func (f fakeSubjects) Me(_ context.Context, subjectID, lang string) (any, error) {
	return map[string]any{"subject": map[string]string{"id": subjectID}, "lang": lang}, nil
}

func TestPrivacyCenterSessions(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/api/v1/subjects/shopper-1/sessions", h.admin, "", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("mint: %d %s", r.status, r.body)
	}
	var minted struct{ Token, URL string }
	json.Unmarshal(r.body, &minted)
	if !strings.HasPrefix(minted.Token, "stw_ss_") || !strings.Contains(minted.URL, "/privacy/#token="+minted.Token) {
		t.Fatalf("minted = %+v", minted)
	}
	me := h.do("GET", "/api/v1/me?lang=zh-CN", minted.Token, "", nil)
	if me.status != 200 || !strings.Contains(string(me.body), `"id":"sub_1"`) || !strings.Contains(string(me.body), `"zh-CN"`) {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
	// An operator token is not a session, and a session is not an operator token.
	if r := h.do("GET", "/api/v1/me", h.admin, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("operator token on /me: %d", r.status)
	}
	if r := h.do("GET", "/api/v1/operators", minted.Token, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("session on operator API: %d", r.status)
	}
	if r := h.do("POST", "/api/v1/subjects/nobody/sessions", h.admin, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown userId: %d %s", r.status, r.body)
	}
	if r := h.do("POST", "/api/v1/subjects/shopper-1/sessions", h.admin, "application/json", strings.NewReader(`{"ttl_seconds":"x"}`)); r.status != http.StatusBadRequest {
		t.Fatalf("bad body: %d", r.status)
	}
	// Sign-out revokes the session.
	if r := h.do("DELETE", "/api/v1/me/session", minted.Token, "", nil); r.status != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/me", minted.Token, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked session: %d", r.status)
	}
}

func (f fakeSubjects) SetConsent(_ context.Context, subjectID, purpose string, granted bool, _ map[string]any) error {
	if purpose == "unknown" {
		return fmt.Errorf("%w: unknown purpose", store.ErrInvalid)
	}
	return nil
}

func (f fakeSubjects) SetPersonalisation(context.Context, string, bool) error { return nil }

func (f fakeSubjects) ConsentMode(context.Context, string) (map[string]string, error) {
	return map[string]string{"ad_storage": "denied"}, nil
}

func (f fakeSubjects) Export(_ context.Context, subjectID, _ string) (any, error) {
	return map[string]string{"subject": subjectID}, nil
}

func (f fakeSubjects) ConsentAt(_ context.Context, userID string, _ time.Time, _ string) (any, error) {
	if _, ok := f[userID]; !ok {
		return nil, store.ErrNotFound
	}
	return map[string]string{"subject": f[userID]}, nil
}

func (f fakeSubjects) Erase(_ context.Context, subjectID string) (any, error) {
	return map[string]any{"subjects": []string{subjectID}, "complete": true}, nil
}

func (f fakeSubjects) Events(_ context.Context, userID, purpose string, clear bool, actor string) (any, error) {
	if _, ok := f[userID]; !ok {
		return nil, store.ErrNotFound
	}
	return map[string]any{"clear": clear}, nil
}

func (f fakeSubjects) ConsentRates(context.Context, int) (any, error) { return map[string]any{}, nil }

func (f fakeSubjects) CreateRequest(_ context.Context, subjectID, typ, _ string, _ map[string]any) (any, error) {
	return map[string]any{"type": typ}, nil
}
func (f fakeSubjects) Request(context.Context, string, string) (any, error) {
	return nil, store.ErrNotFound
}
func (f fakeSubjects) Requests(context.Context, string) (any, error) { return map[string]any{}, nil }
func (f fakeSubjects) StepRequest(context.Context, string, string, string, string) (any, error) {
	return nil, store.ErrNotFound
}
