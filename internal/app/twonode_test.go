package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/app"
)

// Two Steward nodes over one store: a withdrawal made on node A is in force for the next
// collection decision on node B within 1 s (issue 4 item 2).
func TestWithdrawalReachesTheOtherNodeWithinOneSecond(t *testing.T) {
	a := startApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := app.Open(ctx, a.app.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	defer func() { cancel(); <-done; b.Close() }()
	nodeB := &running{app: b, base: "http://" + ln.Addr().String(), admin: a.admin, key: a.key}

	a.track(t, `{"batch":[{"type":"identify","userId":"two-1","traits":{"email":"two@example.com"}}]}`)
	_, body := a.call(t, "POST", "/api/v1/subjects/two-1/sessions", a.admin, "")
	var minted struct{ Token string }
	json.Unmarshal(body, &minted)
	if s, _ := a.call(t, "POST", "/api/v1/me/consents", minted.Token, `{"purpose":"analytics.reporting","granted":true}`); s != 204 {
		t.Fatal("grant")
	}
	search := func(n int) string {
		return `{"batch":[{"type":"track","userId":"two-1","event":"Products Searched","messageId":"two-` + strings.Repeat("x", n) + `","properties":{"query":"q"}}]}`
	}
	events := func() int64 {
		sub, _ := b.SubjectForUserID(context.Background(), "two-1")
		fp, _ := b.Store.SubjectFootprint(context.Background(), sub)
		return fp["events.subject_id"]
	}
	time.Sleep(1100 * time.Millisecond) // let B's view of the grant settle
	nodeB.track(t, search(1))
	if events() != 2 {
		t.Fatalf("B did not keep a consented event: %d", events())
	}
	// Withdraw on A; B warms its cache right before, the worst case.
	nodeB.track(t, search(2))
	if s, _ := a.call(t, "POST", "/api/v1/me/consents", minted.Token, `{"purpose":"analytics.reporting","granted":false}`); s != 204 {
		t.Fatal("withdraw")
	}
	withdrawn := time.Now()
	kept := events()
	for time.Since(withdrawn) < 1100*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
	}
	nodeB.track(t, search(3))
	if got := events(); got != kept {
		t.Fatalf("B kept an event %s after the withdrawal on A", time.Since(withdrawn))
	}
	_ = http.StatusOK
}
