package segmentspec

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
)

// messageIDLabel separates this hash from any other SHA-256 use of the same
// bytes; bump the version if the inputs ever change, since stored ids would no
// longer match retries.
const messageIDLabel = "steward/collect/segmentspec messageId v1"

// GeneratedIDPrefix starts every messageId the decoder derives.
const GeneratedIDPrefix = "stw-"

// deriveMessageID returns the id described on DecodeRequest. counts tracks, per
// distinct message, how many copies this request has had so far.
func deriveMessageID(writeKey string, t Type, in hashInput, counts map[[32]byte]int) string {
	h := sha256.New()
	writeField(h, []byte(messageIDLabel))
	writeField(h, []byte(writeKey))
	writeField(h, []byte(t))
	writeField(h, in.context)
	writeField(h, in.integrations)
	writeField(h, in.item)
	var base [32]byte
	h.Sum(base[:0])

	n := counts[base]
	counts[base] = n + 1

	h.Reset()
	writeField(h, base[:])
	writeField(h, []byte(strconv.Itoa(n)))
	sum := h.Sum(nil)
	return GeneratedIDPrefix + hex.EncodeToString(sum[:16])
}

// writeField length-prefixes b so that no two input tuples hash alike.
func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}
