package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/auth"
)

// Operators read a person's data for a named purpose; identifiers are masked unless the
// role is admin or privacy officer (issue 6 item 5).
func TestOperatorReadsAreMaskedByRole(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"u-mask","traits":{"email":"alice@example.com","phone":"13812341234","name":"Alice Liddell"}}]}`)
	ctx := context.Background()
	op, err := r.app.Auth.CreateOperator(ctx, "mark", auth.RoleMarketer)
	if err != nil {
		t.Fatal(err)
	}
	mt, _, err := r.app.Auth.IssueToken(ctx, op.ID, "t", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	status, body := r.call(t, "GET", "/api/v1/subjects/u-mask/events?purpose=essential.service", r.admin, "")
	if status != 200 || !strings.Contains(string(body), "alice@example.com") || !strings.Contains(string(body), "13812341234") {
		t.Fatalf("admin read: %d %s", status, body)
	}
	status, body = r.call(t, "GET", "/api/v1/subjects/u-mask/events?purpose=essential.service", mt, "")
	if status != 200 || strings.Contains(string(body), "alice@example.com") || strings.Contains(string(body), "13812341234") ||
		!strings.Contains(string(body), "a***@example.com") || !strings.Contains(string(body), "138****1234") {
		t.Fatalf("marketer read: %d %s", status, body)
	}
	if status, _ := r.call(t, "GET", "/api/v1/subjects/u-mask/events", r.admin, ""); status != 400 {
		t.Fatalf("read without purpose: %d", status)
	}
	if status, _ := r.call(t, "GET", "/api/v1/subjects/u-mask/events?purpose=made.up", r.admin, ""); status != 400 {
		t.Fatalf("unknown purpose: %d", status)
	}
	// A purpose the person never consented to sees nothing of their identify.
	status, body = r.call(t, "GET", "/api/v1/subjects/u-mask/events?purpose=marketing.advertising.profiling", r.admin, "")
	if status != 200 || strings.Contains(string(body), "alice") {
		t.Fatalf("unconsented purpose read: %d %s", status, body)
	}
}
