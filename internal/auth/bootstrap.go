package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Files written into the data directory on first start.
const (
	AdminTokenFile = "admin-token"
	WriteKeyFile   = "write-key"
)

const bootstrapDone = "bootstrap.done"

// Fixed ids make the bootstrap idempotent: a start interrupted between writing the secret
// files and committing the records simply redoes the same records with the same secrets.
const (
	bootstrapOperatorID = "op_admin"
	bootstrapTokenID    = "tok_admin"
	bootstrapSourceID   = "src_default"
)

// Bootstrap creates the first operator (role admin, token with every scope) and the default
// source when the store has none, writing their secrets to dir/admin-token and
// dir/write-key with mode 0600. It reports whether it created anything.
func (s *Service) Bootstrap(ctx context.Context, dir string) (bool, error) {
	if _, err := s.st.GetSetting(ctx, bootstrapDone); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	// Secrets go to disk before the digests go to the store, so a crash can never leave a
	// credential in the store that nobody can present.
	token, err := readOrCreateSecret(filepath.Join(dir, AdminTokenFile), tokenPrefix)
	if err != nil {
		return false, err
	}
	key, err := readOrCreateSecret(filepath.Join(dir, WriteKeyFile), writeKeyPrefix)
	if err != nil {
		return false, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if err := ignoreConflict(s.st.CreateOperator(ctx, store.Operator{ID: bootstrapOperatorID, Name: "admin", Role: string(RoleAdmin), CreatedAt: now})); err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	t := store.Token{ID: bootstrapTokenID, OperatorID: bootstrapOperatorID, Name: "admin-token", Hash: Digest(token), CreatedAt: now}
	for _, sc := range AllScopes {
		t.Scopes = append(t.Scopes, string(sc))
	}
	if err := ignoreConflict(s.st.CreateToken(ctx, t)); err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	if err := ignoreConflict(s.st.CreateSource(ctx, store.Source{ID: bootstrapSourceID, Name: "default", KeyHash: Digest(key), CreatedAt: now})); err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	if err := s.st.PutSetting(ctx, bootstrapDone, now.Format(time.RFC3339)); err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	return true, nil
}

func ignoreConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// readOrCreateSecret returns the secret in path, creating it (0600, atomically) if absent.
func readOrCreateSecret(path, prefix string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if v := strings.TrimSpace(string(b)); strings.HasPrefix(v, prefix) {
			return v, nil
		}
		return "", fmt.Errorf("bootstrap: %s does not hold a Steward secret; move it away to create a new one", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	secret := newSecret(prefix)
	if err := WriteSecretFile(path, secret); err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	return secret, nil
}

// WriteSecretFile writes secret+"\n" to path with mode 0600 via a synced temporary file and
// rename, so a crash leaves either the old file or the whole new one.
func WriteSecretFile(path, secret string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
