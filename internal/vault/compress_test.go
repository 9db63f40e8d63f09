package vault_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// eventJSON is an event like the ingestion stores: shared structure and values, and the
// person's own email and message id.
func eventJSON(person, k int) []byte {
	return fmt.Appendf(nil, `{"type":"track","event":"Product Viewed","messageId":"m-%d-%d","properties":{"product_id":"p-%d","price":129.5,"email":"person%d@example.com"},"context":{"locale":"zh-CN","library":{"name":"analytics.js","version":"3.1.0"}}}`,
		person, k, k%3, person)
}

func compressing(t *testing.T, f *fixture) *vault.Vault {
	t.Helper()
	v, err := vault.New(vault.Config{Keyring: f.ring, Keys: f.st, Tombstones: f.ring, Compress: []vault.Binding{events}, Dictionaries: f.st,
		Training: vault.Training{Samples: 60, PerSubject: 4, MinPeople: 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Wait)
	return v
}

// Event bodies are compressed before sealing, first without a dictionary, then with one
// trained on the first samples; every format opens, including rows sealed before
// compression existed (issue 27 item 1).
func TestCompressedSeal(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	// A row sealed by a vault from before compression (format 1).
	oldBody := eventJSON(0, 0)
	old, err := f.v.Seal(ctx, nil, "sub_0", events, oldBody)
	if err != nil || old[0] != 1 {
		t.Fatalf("plain seal = %x, %v", old[:1], err)
	}
	v := compressing(t, f)
	type row struct {
		sub  string
		pt   []byte
		ct   []byte
		dict int64
	}
	var rows []row
	for p := 0; p < 30; p++ {
		for k := 0; k < 6; k++ {
			sub := fmt.Sprintf("sub_%d", p)
			pt := eventJSON(p, k)
			ct, err := v.Seal(ctx, nil, sub, events, pt)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row{sub, pt, ct, v.DictionaryID(events)})
		}
	}
	v.Wait()
	if v.DictionaryID(events) == 0 {
		t.Fatal("no dictionary trained after 180 events of 30 people")
	}
	ct, err := v.Seal(ctx, nil, "sub_1", events, eventJSON(1, 99))
	if err != nil {
		t.Fatal(err)
	}
	rows = append(rows, row{"sub_1", eventJSON(1, 99), ct, v.DictionaryID(events)}, row{"sub_0", oldBody, old, 0})
	for i, r := range rows {
		got, err := v.Open(ctx, r.sub, events, r.ct)
		if err != nil || !bytes.Equal(got, r.pt) {
			t.Fatalf("row %d: open = %q, %v", i, got, err)
		}
		if bytes.Contains(r.ct, []byte("example.com")) || bytes.Contains(r.ct, []byte("Product Viewed")) {
			t.Fatalf("row %d: plaintext visible in %q", i, r.ct)
		}
	}
	first, last := rows[0].ct, rows[len(rows)-2].ct
	// Before a dictionary, zstd alone does not shrink a 220-byte event: it is sealed as it is.
	if first[0] != 1 || last[0] != 2 || last[1] == 0 {
		t.Fatalf("formats: first %x, with dictionary %x", first[:2], last[:2])
	}
	if len(last) >= len(first) || len(last) > len(rows[len(rows)-2].pt)/2 {
		t.Fatalf("sealed with dictionary %d bytes, without %d, plaintext %d", len(last), len(first), len(rows[len(rows)-2].pt))
	}
	// A fresh vault (another node, a restart) opens every row and seals with the stored
	// dictionary without training again.
	v2 := compressing(t, f)
	for i, r := range rows {
		if got, err := v2.Open(ctx, r.sub, events, r.ct); err != nil || !bytes.Equal(got, r.pt) {
			t.Fatalf("row %d in a fresh vault: %q, %v", i, got, err)
		}
	}
	if ct, err := v2.Seal(ctx, nil, "sub_2", events, eventJSON(2, 7)); err != nil || ct[1] != last[1] {
		t.Fatalf("fresh vault seals with %x, want dictionary %x (%v)", ct[:2], last[1], err)
	}
	// Moved, altered or re-labelled ciphertexts fail; so does a shredded subject's.
	if _, err := v.Open(ctx, "sub_2", events, last); !errors.Is(err, vault.ErrBinding) {
		t.Fatalf("moved to another subject: %v", err)
	}
	relabelled := append([]byte{2, 0}, last[2:]...)
	if _, err := v.Open(ctx, "sub_1", events, relabelled); !errors.Is(err, vault.ErrBinding) {
		t.Fatalf("dictionary id changed: %v", err)
	}
	if err := v.Shred(ctx, "sub_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, "sub_1", events, last); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("after shred: %v", err)
	}
	// Other bindings are sealed as they were.
	if ct, err := v.Seal(ctx, nil, "sub_3", profile, []byte("li.na@example.com")); err != nil || ct[0] != 1 {
		t.Fatalf("uncompressed binding sealed as format %x, %v", ct[:1], err)
	}
	// Retraining makes a new dictionary; rows sealed with the old one keep opening.
	before := v.DictionaryID(events)
	v.Retrain(events)
	for p := 30; p < 60; p++ {
		for k := 0; k < 4; k++ {
			if _, err := v.Seal(ctx, nil, fmt.Sprintf("sub_%d", p), events, eventJSON(p, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	v.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for v.DictionaryID(events) == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v.DictionaryID(events) <= before {
		t.Fatalf("retrain kept dictionary %d", before)
	}
	if got, err := v.Open(ctx, "sub_2", events, rows[12].ct); err != nil || !bytes.Equal(got, rows[12].pt) {
		t.Fatalf("old dictionary row after retrain: %v", err)
	}
}

// A dictionary holds only what enough people share: one person's email never enters it,
// however often they appear; shared values and the structure do.
func TestDictionaryHoldsNoPersonalData(t *testing.T) {
	var samples []vault.Sample
	for p := 0; p < 20; p++ {
		for k := 0; k < 10; k++ {
			samples = append(samples, vault.Sample{Subject: fmt.Sprintf("sub_%d", p), Payload: eventJSON(p, k)})
		}
	}
	samples = append(samples, vault.Sample{Subject: "x", Payload: []byte("not json")})
	d, people := vault.BuildDictionary(samples, 3, 64<<10)
	if people != 20 {
		t.Fatalf("people = %d, want 20", people)
	}
	for _, bad := range []string{"person", "@example.com", "m-1-"} {
		if bytes.Contains(d, []byte(bad)) {
			t.Fatalf("dictionary holds %q:\n%s", bad, d)
		}
	}
	for _, good := range []string{`"event":"Product Viewed"`, `"product_id":"p-1"`, `"locale":"zh-CN"`, `"email":""`} {
		if !bytes.Contains(d, []byte(good)) {
			t.Fatalf("dictionary lacks %q:\n%s", good, d)
		}
	}
}

// A process still collecting samples adopts the dictionary another process stored, instead
// of training its own (several nodes on one database).
func TestDictionaryAdoptedFromAnotherNode(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	slow, err := vault.New(vault.Config{Keyring: f.ring, Keys: f.st, Tombstones: f.ring, Compress: []vault.Binding{events}, Dictionaries: f.st,
		Training: vault.Training{Samples: 100000, Recheck: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slow.Seal(ctx, nil, "sub_0", events, eventJSON(0, 0)); err != nil || slow.DictionaryID(events) != 0 {
		t.Fatalf("first seal: dictionary %d, %v", slow.DictionaryID(events), err)
	}
	fast := compressing(t, f)
	for p := 0; p < 30; p++ {
		for k := 0; k < 4; k++ {
			if _, err := fast.Seal(ctx, nil, fmt.Sprintf("sub_%d", p), events, eventJSON(p, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	fast.Wait()
	if fast.DictionaryID(events) == 0 {
		t.Fatal("the other node trained nothing")
	}
	ct, err := slow.Seal(ctx, nil, "sub_1", events, eventJSON(1, 1))
	if err != nil || slow.DictionaryID(events) != fast.DictionaryID(events) || ct[0] != 2 || int64(ct[1]) != fast.DictionaryID(events) {
		t.Fatalf("after the other node stored dictionary %d this one seals with %d (%x), %v", fast.DictionaryID(events), slow.DictionaryID(events), ct[:2], err)
	}
}

// flakyDicts fails its first LatestDictionary, as a busy store might at start.
type flakyDicts struct {
	store.Dictionaries
	failed bool
}

func (d *flakyDicts) LatestDictionary(ctx context.Context, b string) (store.Dictionary, error) {
	if !d.failed {
		d.failed = true
		return store.Dictionary{}, errors.New("store busy")
	}
	return d.Dictionaries.LatestDictionary(ctx, b)
}

// A failed first look for a stored dictionary is retried; the vault then trains one.
func TestDictionaryLookRetried(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	v, err := vault.New(vault.Config{Keyring: f.ring, Keys: f.st, Tombstones: f.ring, Compress: []vault.Binding{events},
		Dictionaries: &flakyDicts{Dictionaries: f.st}, Training: vault.Training{Samples: 60, PerSubject: 4, MinPeople: 3, Recheck: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Wait()
	for p := 0; p < 30; p++ {
		for k := 0; k < 4; k++ {
			if _, err := v.Seal(ctx, nil, fmt.Sprintf("sub_%d", p), events, eventJSON(p, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	v.Wait()
	if _, err := v.Seal(ctx, nil, "sub_1", events, eventJSON(1, 9)); err != nil || v.DictionaryID(events) == 0 {
		t.Fatalf("no dictionary after a failed first look: %v", err)
	}
}
