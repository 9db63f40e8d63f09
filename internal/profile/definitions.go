package profile

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/stewardhq/steward/internal/store"
)

// definitionsPrint fingerprints stored tag and segment definitions.
func definitionsPrint(lists ...[]store.Definition) string {
	h := sha256.New()
	var n [8]byte
	for _, defs := range lists {
		for _, d := range defs {
			for _, part := range [][]byte{[]byte(d.Kind), []byte(d.Name), d.Spec} {
				binary.BigEndian.PutUint64(n[:], uint64(len(part)))
				h.Write(n[:])
				h.Write(part)
			}
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// followDefinitions reconfigures the engine when the stored tag or segment definitions
// differ from those it loaded: one defined, changed or removed through another node
// sharing the store takes effect here within a round, not at the next rebuild.
func (e *Engine) followDefinitions(ctx context.Context) error {
	if !e.Ready() {
		return nil
	}
	tags, err := e.cfg.Store.Definitions(ctx, store.DefinitionTag)
	if err != nil {
		return err
	}
	segs, err := e.cfg.Store.Definitions(ctx, store.DefinitionSegment)
	if err != nil {
		return err
	}
	e.mu.RLock()
	same := e.defsPrint == definitionsPrint(tags, segs)
	e.mu.RUnlock()
	if same {
		return nil
	}
	return e.Reconfigure(ctx)
}
