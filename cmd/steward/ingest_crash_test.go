package main_test

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// A server killed with SIGKILL while clients are sending loses no acknowledged event and
// stores none twice: clients retry every batch they did not see acknowledged, with the
// same messageIds, against the restarted server (issue 5 item 5).
func TestIngestKill9UnderLoadLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server under load")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, "serve", "--addr", addr, "--data", data)
	waitHealthy(t, p, addr, 60*time.Second)
	key, err := os.ReadFile(filepath.Join(data, "write-key"))
	if err != nil {
		t.Fatal(err)
	}
	const clients, batches, per = 4, 60, 50
	var acked sync.Map // messageId → true once a 200 covered it
	var sent atomic.Int64
	var killed atomic.Bool
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				ids, body := crashBatch(c, b, per)
				for attempt := 0; ; attempt++ {
					req, _ := http.NewRequest("POST", "http://"+addr+"/v1/batch", bytes.NewReader(body))
					req.SetBasicAuth(strings.TrimSpace(string(key)), "")
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err == nil {
						res.Body.Close()
						if res.StatusCode == 200 {
							for _, id := range ids {
								acked.Store(id, true)
							}
							sent.Add(int64(len(ids)))
							break
						}
					}
					if attempt > 600 {
						t.Errorf("client %d batch %d never acknowledged", c, b)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}(c)
	}
	// Kill while batches are in flight.
	for sent.Load() < clients*batches*per/3 {
		time.Sleep(5 * time.Millisecond)
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	killed.Store(true)
	ackedAtKill := 0
	acked.Range(func(any, any) bool { ackedAtKill++; return true })
	// Every event acknowledged before the kill is on disk already.
	stored := storedIDs(t, filepath.Join(data, "steward.db"))
	acked.Range(func(k, _ any) bool {
		if stored[eventKey(k.(string))] != 1 {
			t.Errorf("acknowledged %s stored %d times after the kill", k, stored[eventKey(k.(string))])
		}
		return true
	})
	p2 := start(t, "serve", "--addr", addr, "--data", data)
	waitHealthy(t, p2, addr, 60*time.Second)
	wg.Wait()
	stored = storedIDs(t, filepath.Join(data, "steward.db"))
	want := clients * batches * per
	if len(stored) != want {
		t.Fatalf("stored %d distinct events, want %d", len(stored), want)
	}
	for id, n := range stored {
		if n != 1 {
			t.Fatalf("%s stored %d times", id, n)
		}
	}
	t.Logf("killed with %d events acknowledged; after restart and client retries all %d stored exactly once", ackedAtKill, want)
}

func crashBatch(c, b, n int) ([]string, []byte) {
	var ids []string
	var buf bytes.Buffer
	buf.WriteString(`{"batch":[`)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("crash-%d-%03d-%02d", c, b, i)
		ids = append(ids, id)
		if i > 0 {
			buf.WriteByte(',')
		}
		// An essential-service event (an order) is kept without marketing consent.
		fmt.Fprintf(&buf, `{"type":"track","event":"Order Completed","messageId":%q,"userId":"u-%d-%d","properties":{"order_id":"o-%s","total":99.5,"currency":"CNY"}}`, id, c, b%7, id)
	}
	buf.WriteString(`]}`)
	return ids, buf.Bytes()
}

// eventKey is how the store keys an event of the default source (store.EventKey): the
// compact row keeps a hash of the source and message ids, not the ids.
func eventKey(messageID string) string {
	return hex.EncodeToString(store.EventKey("src_default", messageID))
}

// storedIDs counts the stored events per event key (eventKey).
func storedIDs(t *testing.T, dbPath string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT msg FROM events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key []byte
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		out[hex.EncodeToString(key)]++
	}
	return out
}
