package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// benchProfileT is the 10-field profile steward bench vault seals and opens.
type benchProfileT struct {
	Email, Phone, Name, City, Address, Birthday, Gender, IDNumber, DeviceID, LoyaltyTier string
}

func newBenchProfile(i int) benchProfileT {
	return benchProfileT{
		Email: fmt.Sprintf("shopper%06d@example.com", i), Phone: fmt.Sprintf("138%08d", i), Name: "王小明",
		City: "上海", Address: "上海市浦东新区世纪大道100号", Birthday: "1990-03-07", Gender: "f",
		IDNumber: "110101199003077777", DeviceID: fmt.Sprintf("dev-%012d", i), LoyaltyTier: "gold",
	}
}

func (p benchProfileT) fields() [10]string {
	return [10]string{p.Email, p.Phone, p.Name, p.City, p.Address, p.Birthday, p.Gender, p.IDNumber, p.DeviceID, p.LoyaltyTier}
}

var benchFields = [10]string{"email", "phone", "name", "city", "address", "birthday", "gender", "id_number", "device_id", "loyalty_tier"}

// vaultResult is one measurement.
type vaultResult struct {
	VaultPerSec float64 // profiles sealed (10 fields) and opened again per second
	JSONPerSec  float64 // the same profile JSON-encoded and decoded per second (baseline)
}

// Benchmark seals and opens n 10-field profiles (each field its own ciphertext, bound to
// its field, as the vault stores them) on one goroutine, and JSON-encodes and decodes the
// same profiles as the baseline. Keys live in memory so the figure is the vault's own cost.
func vaultWork(ctx context.Context, n int) (vaultResult, error) {
	dir, cleanup, err := keyringDir()
	if err != nil {
		return vaultResult{}, err
	}
	defer cleanup()
	ring, err := keyring.Open(dir, true)
	if err != nil {
		return vaultResult{}, err
	}
	v, err := vault.New(vault.Config{Keyring: ring, Keys: newMemKeys()})
	if err != nil {
		return vaultResult{}, err
	}
	const subjects = 1000
	profiles := make([]benchProfileT, subjects)
	for i := range profiles {
		profiles[i] = newBenchProfile(i)
	}
	ids := make([]string, subjects)
	for i := range ids {
		ids[i] = fmt.Sprintf("sub_%06d", i)
		if _, err := v.Seal(ctx, nil, ids[i], vault.Binding{Table: "bench", Field: "warm"}, nil); err != nil {
			return vaultResult{}, err
		}
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		k := i % subjects
		f := profiles[k].fields()
		for j := range f {
			b := vault.Binding{Table: "profiles", Field: benchFields[j]}
			ct, err := v.Seal(ctx, nil, ids[k], b, []byte(f[j]))
			if err != nil {
				return vaultResult{}, err
			}
			if _, err := v.Open(ctx, ids[k], b, ct); err != nil {
				return vaultResult{}, err
			}
		}
	}
	vaultRate := float64(n) / time.Since(start).Seconds()

	start = time.Now()
	for i := 0; i < n; i++ {
		b, err := json.Marshal(profiles[i%subjects])
		if err != nil {
			return vaultResult{}, err
		}
		var p benchProfileT
		if err := json.Unmarshal(b, &p); err != nil {
			return vaultResult{}, err
		}
	}
	return vaultResult{VaultPerSec: vaultRate, JSONPerSec: float64(n) / time.Since(start).Seconds()}, nil
}

// memKeys is an in-memory key table for benchmarks.
type memKeys struct {
	mu   sync.Mutex
	keys map[string]store.SubjectKey
}

func newMemKeys() *memKeys { return &memKeys{keys: map[string]store.SubjectKey{}} }

func (m *memKeys) PutSubjectKey(_ context.Context, k store.SubjectKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[k.SubjectID]; ok {
		return store.ErrConflict
	}
	m.keys[k.SubjectID] = k
	return nil
}

func (m *memKeys) GetSubjectKey(_ context.Context, id string) (store.SubjectKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	if !ok {
		return k, store.ErrNotFound
	}
	return k, nil
}

func (m *memKeys) DeleteSubjectKey(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, id)
	return nil
}

func (m *memKeys) ListSubjectKeys(context.Context, string, string, int) ([]store.SubjectKey, error) {
	return nil, nil
}

func (m *memKeys) RewrapSubjectKey(context.Context, store.SubjectKey, string) (bool, error) {
	return false, nil
}

// keyringDir is a throwaway keyring directory and its cleanup.
func keyringDir() (string, func(), error) {
	d, err := os.MkdirTemp("", "steward-vault-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(d, "keys"), func() { os.RemoveAll(d) }, nil
}
