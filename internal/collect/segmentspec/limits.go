package segmentspec

// Default limits. Segment documents "32 KB per message and 500 KB per batch";
// we read KB as 1,024 bytes, so a batch may hold 500 × 1,024 = 512,000 bytes,
// which is exactly the most RudderStack SDKs send (analytics-go v4 caps a batch
// at 512,000 B, analytics-node at 480 KB, analytics-go v3 at 500,000 B), and a
// message 32,768 bytes (RudderStack's own cap; Segment's analytics-go uses
// 32,000). The other three mirror what Segment's ingestion silently drops; we
// refuse instead, so the client hears about it.
const (
	DefaultMaxMessageBytes = 32 * 1024
	DefaultMaxBatchBytes   = 500 * 1024
	DefaultMaxMessageIDLen = 100
	DefaultMaxKeys         = 300
	DefaultMaxGroupIDLen   = 500
)

// maxWriteKeyLen bounds a write key so a hostile one cannot bloat logs or
// lookups; real keys are 32–40 characters.
const maxWriteKeyLen = 256

// Limits bounds what DecodeRequest accepts. A zero field takes its default, so
// Limits{} is the default set.
type Limits struct {
	// MaxMessageBytes caps one message: the whole body of a single-message
	// endpoint, or one item of a batch as received (before the batch context is
	// merged in).
	MaxMessageBytes int
	// MaxBatchBytes caps the decompressed body of the batch and import endpoints.
	// Gzip bodies are decompressed through this cap, so a zip bomb costs at most
	// this much memory.
	MaxBatchBytes int
	// MaxMessageIDLen caps messageId, in bytes.
	MaxMessageIDLen int
	// MaxKeys caps the top-level keys of properties, traits and context.traits.
	MaxKeys int
	// MaxGroupIDLen caps groupId, in bytes.
	MaxGroupIDLen int
}

// DefaultLimits returns the limits Limits{} stands for.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

func (l Limits) withDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if l.MaxBatchBytes <= 0 {
		l.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if l.MaxMessageIDLen <= 0 {
		l.MaxMessageIDLen = DefaultMaxMessageIDLen
	}
	if l.MaxKeys <= 0 {
		l.MaxKeys = DefaultMaxKeys
	}
	if l.MaxGroupIDLen <= 0 {
		l.MaxGroupIDLen = DefaultMaxGroupIDLen
	}
	return l
}

// BodyLimit is how many bytes a body to endpoint may hold after decompression.
func (l Limits) BodyLimit(endpoint Endpoint) int {
	l = l.withDefaults()
	if endpoint.IsBatch() {
		return l.MaxBatchBytes
	}
	return l.MaxMessageBytes
}
