package vault

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// BuildDictionary never panics, stays within its size, and keeps nothing that fewer than
// minPeople subjects share: with one subject, every scalar left is blanked.
func FuzzBuildDictionary(f *testing.F) {
	f.Add([]byte(`{"type":"track","event":"Product Viewed","properties":{"email":"a@b.cn","price":12.5,"tags":["x",1,true,null]}}`))
	f.Add([]byte(`[1,"二",{"":-0.5e3}]`))
	f.Add([]byte(`{"a": "x" , "b" :[ ] }`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, _ := BuildDictionary([]Sample{{Subject: "s", Payload: doc}, {Subject: "s", Payload: doc}}, 2, 4096)
		if len(d) > 4096 {
			t.Fatalf("dictionary of %d bytes", len(d))
		}
		toks, ok := tokenize(d)
		if len(d) > 0 && !ok {
			t.Fatalf("dictionary is not JSON values: %q", d)
		}
		for _, tk := range toks {
			if tk.scalar && tk.text != `""` && tk.text != "0" {
				t.Fatalf("one subject's value %s kept in %q", tk.text, d)
			}
		}
	})
}

// Open refuses anything the vault did not seal, without panicking, whatever the header says.
func FuzzOpen(f *testing.F) {
	ring, err := keyring.Open(f.TempDir(), true)
	if err != nil {
		f.Fatal(err)
	}
	keys := memKeys{}
	v, err := New(Config{Keyring: ring, Keys: keys, Compress: []Binding{{"events", "body"}}, Dictionaries: noDicts{}})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	b := Binding{"events", "body"}
	big := []byte(`{"type":"track","event":"Product Viewed","properties":{"a":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}`)
	good, err := v.Seal(ctx, nil, "sub", b, big)
	if err != nil || good[0] != compressedVersion {
		f.Fatalf("seal: %x %v", good[:1], err)
	}
	f.Add(good)
	f.Add([]byte{2})
	f.Add([]byte{2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := v.Open(ctx, "sub", b, ct)
		if err == nil && string(ct) != string(good) && string(pt) != string(big) {
			t.Fatalf("opened forged %x as %q", ct, pt)
		}
	})
}

type memKeys map[string]store.SubjectKey

func (m memKeys) PutSubjectKey(_ context.Context, k store.SubjectKey) error {
	if _, ok := m[k.SubjectID]; ok {
		return store.ErrConflict
	}
	m[k.SubjectID] = k
	return nil
}

func (m memKeys) GetSubjectKey(_ context.Context, id string) (store.SubjectKey, error) {
	k, ok := m[id]
	if !ok {
		return k, store.ErrNotFound
	}
	return k, nil
}

func (m memKeys) DeleteSubjectKey(_ context.Context, id string) error { delete(m, id); return nil }

func (m memKeys) ListSubjectKeys(context.Context, string, string, int) ([]store.SubjectKey, error) {
	return nil, nil
}

func (m memKeys) RewrapSubjectKey(context.Context, store.SubjectKey, string) (bool, error) {
	return false, nil
}

type noDicts struct{}

func (noDicts) PutDictionary(context.Context, store.Dictionary) (int64, error) {
	return 0, store.ErrConflict
}

func (noDicts) GetDictionary(context.Context, int64) (store.Dictionary, error) {
	return store.Dictionary{}, store.ErrNotFound
}

func (noDicts) LatestDictionary(context.Context, string) (store.Dictionary, error) {
	return store.Dictionary{}, store.ErrNotFound
}
