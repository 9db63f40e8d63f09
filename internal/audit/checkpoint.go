package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// DefaultOrigin is the checkpoint origin line (and key name) of a deployment.
const DefaultOrigin = "steward/audit"

// Checkpoint is a C2SP tlog checkpoint body: origin, tree size, root hash.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// Marshal renders the checkpoint body (three lines, each newline-terminated).
func (c Checkpoint) Marshal() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
}

// ParseCheckpoint parses a checkpoint body.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, errors.New("checkpoint: want origin, size and root lines")
	}
	n, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: bad size: %w", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return Checkpoint{}, errors.New("checkpoint: bad root hash")
	}
	return Checkpoint{Origin: lines[0], Size: n, Root: root}, nil
}

// Sign returns the signed note for c.
func Sign(c Checkpoint, s note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: string(c.Marshal())}, s)
}

// Open verifies a signed checkpoint note and parses it.
func Open(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	return ParseCheckpoint(n.Text)
}

// ErrKeyMissing: keys/audit.key is gone although the log has signed checkpoints. A new key
// would sign new checkpoints that nothing ties to the old ones; the key must be restored.
var ErrKeyMissing = errors.New("audit: keys/audit.key is missing but the log has signed checkpoints; restore it from backup (a new key would sign checkpoints no one can tie to the old ones)")

// OpenKeys is LoadOrGenerateKeys for a process that serves the log in st: a key is made
// only for a log that has never been checkpointed.
func OpenKeys(ctx context.Context, dir, origin string, st Store) (note.Signer, note.Verifier, error) {
	if _, err := os.Stat(filepath.Join(dir, "keys", "audit.key")); errors.Is(err, os.ErrNotExist) {
		cp, err := st.LatestCheckpoint(ctx)
		if err != nil {
			return nil, nil, err
		}
		if len(cp) > 0 {
			return nil, nil, ErrKeyMissing
		}
	}
	return LoadOrGenerateKeys(dir, origin)
}

// LoadKeys reads the audit keys in dir/keys without ever making new ones (verification).
func LoadKeys(dir string) (note.Signer, note.Verifier, error) {
	kd := filepath.Join(dir, "keys")
	vk, err := os.ReadFile(filepath.Join(kd, "audit.pub"))
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vk)))
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	return nil, v, nil
}

// LoadOrGenerateKeys reads the ed25519 note keys under dir/keys, creating
// them on first use (private key file mode 0600).
func LoadOrGenerateKeys(dir, origin string) (note.Signer, note.Verifier, error) {
	kd := filepath.Join(dir, "keys")
	skPath := filepath.Join(kd, "audit.key")
	vkPath := filepath.Join(kd, "audit.pub")
	sk, err := os.ReadFile(skPath)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(kd, 0o700); err != nil {
			return nil, nil, err
		}
		skey, vkey, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(skPath, []byte(skey), 0o600); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(vkPath, []byte(vkey), 0o644); err != nil {
			return nil, nil, err
		}
		sk = []byte(skey)
	} else if err != nil {
		return nil, nil, err
	}
	vk, err := os.ReadFile(vkPath)
	if err != nil {
		return nil, nil, err
	}
	s, err := note.NewSigner(strings.TrimSpace(string(sk)))
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vk)))
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	return s, v, nil
}

var _ = ed25519.PublicKeySize
