package app_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
)

// The real @segment/analytics-node and @rudderstack/rudder-sdk-node clients (npm, pinned in
// internal/collect/testdata/clients) send to a running Steward: every consented or
// contract-based event lands exactly once, unconsented ones are not stored, and fields not
// on the manifest's allow-list are absent when read back (issue 5 acceptance).
func TestRealSegmentAndRudderStackClients(t *testing.T) {
	dir, _ := filepath.Abs("../collect/testdata/clients")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@segment", "analytics-node")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("npm clients not installed (.ci/run installs them with npm install in " + dir + ")")
		}
		t.Skip("npm clients not installed; run npm install in " + dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	r := startApp(t)
	yes := map[string]any{"consent": map[string]any{"categoryPreferences": map[string]bool{"Analytics": true, "Personalization": true, "Advertising": false, "ThirdPartySharing": false, "CrossBorder": false}}}
	no := map[string]any{"consent": map[string]any{"categoryPreferences": map[string]bool{"Analytics": false, "Personalization": false, "Advertising": false, "ThirdPartySharing": false, "CrossBorder": false}}}
	var calls []map[string]any
	for _, client := range []string{"segment", "rudder"} {
		u := func(s string) string { return client + "-" + s }
		calls = append(calls,
			map[string]any{"client": client, "type": "identify", "msg": map[string]any{"userId": u("known"), "traits": map[string]any{"email": u("known") + "@example.com", "name": "Li Na", "shoe_size": 38}}},
			map[string]any{"client": client, "type": "track", "msg": map[string]any{"userId": u("consented"), "event": "Product Viewed", "context": yes,
				"properties": map[string]any{"product_id": "p-1", "price": 99, "secret_note": "not in the manifest"}}},
			map[string]any{"client": client, "type": "track", "msg": map[string]any{"userId": u("consented"), "event": "Product Viewed", "context": yes,
				"properties": map[string]any{"product_id": "p-2", "price": 12}}},
			map[string]any{"client": client, "type": "track", "msg": map[string]any{"userId": u("refused"), "event": "Product Viewed", "context": no,
				"properties": map[string]any{"product_id": "p-3"}}},
			map[string]any{"client": client, "type": "track", "msg": map[string]any{"userId": u("refused"), "event": "Order Completed", "context": no,
				"properties": map[string]any{"order_id": "o-1", "total": 99, "currency": "CNY"}}},
			map[string]any{"client": client, "type": "page", "msg": map[string]any{"userId": u("consented"), "name": "Home", "context": yes,
				"properties": map[string]any{"path": "/", "title": "Shop"}}},
		)
	}
	b, _ := json.Marshal(calls)
	file := filepath.Join(t.TempDir(), "calls.json")
	os.WriteFile(file, b, 0o600)
	cmd := exec.Command(node, filepath.Join(dir, "send.mjs"), file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "STEWARD_HOST="+r.base, "STEWARD_WRITE_KEY="+r.key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node clients: %v\n%s", err, out)
	}
	ctx := context.Background()
	read := func(userID string) []access.Event {
		t.Helper()
		sub, err := r.app.SubjectForUserID(ctx, userID)
		if err != nil {
			t.Fatalf("%s: %v", userID, err)
		}
		evs, err := r.app.Reader.Events(ctx, access.Request{Actor: "test", Purpose: "rights.access", SubjectID: sub})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	for _, client := range []string{"segment", "rudder"} {
		known := read(client + "-known")
		if len(known) != 1 || known[0].Type != "identify" {
			t.Fatalf("%s identify: %+v", client, known)
		}
		traits, _ := known[0].Fields["traits"].(map[string]any)
		if traits["email"] != client+"-known@example.com" || traits["shoe_size"] != nil {
			t.Fatalf("%s identify traits = %v (email kept under contract, shoe_size not on the allow-list)", client, traits)
		}
		consented := read(client + "-consented")
		if len(consented) != 3 {
			t.Fatalf("%s consented: %d events, want 3 exactly once: %+v", client, len(consented), consented)
		}
		for _, e := range consented {
			js, _ := json.Marshal(e.Fields)
			if strings.Contains(string(js), "secret_note") {
				t.Fatalf("%s: a field off the allow-list was stored: %s", client, js)
			}
		}
		refused := read(client + "-refused")
		if len(refused) != 1 || refused[0].Name != "Order Completed" {
			t.Fatalf("%s refused: %+v (only the order, kept under contract)", client, refused)
		}
	}
	t.Logf("node clients: %s", strings.TrimSpace(string(out)))
}
