package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
)

// ErrSizeMismatch is returned by AppendLeaves when the log no longer has the
// expected size: another writer appended first, so this batch must be redone.
var ErrSizeMismatch = errors.New("audit: log size changed (concurrent writer)")

// Store persists leaves and checkpoints.
type Store interface {
	// AppendLeaves stores leaves at indexes expectedSize.. only if the log
	// currently holds exactly expectedSize leaves (compare-and-swap).
	AppendLeaves(ctx context.Context, expectedSize uint64, leaves, hashes [][]byte) error
	// ReadLeaves returns leaves and stored hashes for indexes [from, to).
	ReadLeaves(ctx context.Context, from, to uint64) (leaves, hashes [][]byte, err error)
	Size(ctx context.Context) (uint64, error)
	PutCheckpoint(ctx context.Context, size uint64, note []byte) error
	Checkpoints(ctx context.Context) ([][]byte, error)
	LatestCheckpoint(ctx context.Context) ([]byte, error)
}

// MemStore is an in-memory Store for tests.
type MemStore struct {
	mu        sync.Mutex
	Leaves    [][]byte
	Hashes    [][]byte
	Notes     [][]byte
	Audiences map[string][]string // hex root → members
}

// PutAudience implements AudienceStore.
func (m *MemStore) PutAudience(_ context.Context, root []byte, ps []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Audiences == nil {
		m.Audiences = map[string][]string{}
	}
	k := hex.EncodeToString(root)
	if _, ok := m.Audiences[k]; !ok {
		m.Audiences[k] = append([]string(nil), ps...)
	}
	return nil
}

// Audience implements AudienceStore.
func (m *MemStore) Audience(_ context.Context, root []byte) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ps, ok := m.Audiences[hex.EncodeToString(root)]
	if !ok {
		return nil, ErrNoAudience
	}
	return append([]string(nil), ps...), nil
}

// AudienceRoots implements AudienceStore.
func (m *MemStore) AudienceRoots(_ context.Context, p string) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out [][]byte
	for k, ps := range m.Audiences {
		if slices.Contains(ps, p) {
			r, _ := hex.DecodeString(k)
			out = append(out, r)
		}
	}
	return out, nil
}

// AppendLeaves implements Store.
func (m *MemStore) AppendLeaves(_ context.Context, exp uint64, leaves, hashes [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if uint64(len(m.Leaves)) != exp {
		return ErrSizeMismatch
	}
	m.Leaves = append(m.Leaves, leaves...)
	m.Hashes = append(m.Hashes, hashes...)
	return nil
}

// ReadLeaves implements Store.
func (m *MemStore) ReadLeaves(_ context.Context, from, to uint64) ([][]byte, [][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	to = min(to, uint64(len(m.Leaves)))
	if from > to {
		return nil, nil, nil
	}
	return append([][]byte(nil), m.Leaves[from:to]...), append([][]byte(nil), m.Hashes[from:to]...), nil
}

// Size implements Store.
func (m *MemStore) Size(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.Leaves)), nil
}

// PutCheckpoint implements Store.
func (m *MemStore) PutCheckpoint(_ context.Context, _ uint64, note []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Notes = append(m.Notes, note)
	return nil
}

// Checkpoints implements Store.
func (m *MemStore) Checkpoints(context.Context) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.Notes...), nil
}

// LatestCheckpoint implements Store.
func (m *MemStore) LatestCheckpoint(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.Notes) == 0 {
		return nil, nil
	}
	return m.Notes[len(m.Notes)-1], nil
}
