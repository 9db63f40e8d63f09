package partner

import (
	"context"
	"sync"
	"time"
)

// MemoryNonces is a NonceStore in process memory, for a single node (and tests). Entries
// expire when their request would be stale anyway; expired ones are swept as the map
// grows. When it holds Limit live nonces it refuses new requests (ErrNonceCacheFull)
// rather than forget one early and let its replay through.
type MemoryNonces struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	limit int
	sweep int // sweep when len(seen) reaches this
	now   func() time.Time
}

// DefaultNonceLimit is MemoryNonces' default capacity: a million requests in a window.
const DefaultNonceLimit = 1 << 20

// NewMemoryNonces returns an empty cache; limit 0 means DefaultNonceLimit, now nil means
// time.Now.
func NewMemoryNonces(limit int, now func() time.Time) *MemoryNonces {
	if limit <= 0 {
		limit = DefaultNonceLimit
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryNonces{seen: map[string]time.Time{}, limit: limit, sweep: min(1024, limit), now: now}
}

var _ NonceStore = (*MemoryNonces)(nil)

// Remember records (keyID, nonce) until until and reports whether it was new.
func (m *MemoryNonces) Remember(_ context.Context, keyID, nonce string, until time.Time) (bool, error) {
	k := keyID + "\x00" + nonce
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if exp, ok := m.seen[k]; ok && now.Before(exp) {
		return false, nil
	}
	if len(m.seen) >= m.sweep {
		for k, exp := range m.seen {
			if !now.Before(exp) {
				delete(m.seen, k)
			}
		}
		// Sweep again only after the map has grown by half of what is left live.
		m.sweep = min(max(len(m.seen)+len(m.seen)/2, 1024), m.limit)
	}
	if len(m.seen) >= m.limit {
		return false, ErrNonceCacheFull
	}
	m.seen[k] = until
	return true, nil
}

// Len returns how many nonces are held (live or not yet swept).
func (m *MemoryNonces) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}
