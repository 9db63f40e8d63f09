package compliance

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/stewardhq/steward/internal/audit"
)

// VerifyError names what failed in a bundle and why.
type VerifyError struct {
	What   string
	Reason string
}

func (e *VerifyError) Error() string { return e.What + ": " + e.Reason }

func fail(what, format string, args ...any) error {
	return &VerifyError{What: what, Reason: fmt.Sprintf(format, args...)}
}

// Result is what a successful verification established.
type Result struct {
	GeneratedAt time.Time
	Files       int
	Key         string
	Pinned      bool
	PDF         bool
	Checkpoints int
	Proofs      int
	LogSize     uint64
}

// Limits on what Verify reads: a bundle is small; anything bigger is not one.
const (
	maxEntries   = 64
	maxEntrySize = 512 << 20
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Verify checks a bundle offline. pin, when not "", is the verifier key the auditor
// trusts (the shop's DIR/keys/audit.pub): the bundle must be signed by it. See the
// package doc for what is checked; the error is a *VerifyError naming what failed.
func Verify(archive []byte, pin string) (Result, error) {
	var res Result
	// 1. The archive's structure.
	tr := tar.NewReader(bytes.NewReader(archive))
	var files []file
	seen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fail("the archive", "not a readable tar archive (entry %d: %v)", len(files)+1, err)
		}
		if len(files) == maxEntries {
			return res, fail("the archive", "more than %d entries", maxEntries)
		}
		if hdr.Typeflag != tar.TypeReg || !nameRE.MatchString(hdr.Name) || hdr.Size < 0 || hdr.Size > maxEntrySize {
			return res, fail("the archive", "entry %q is not a plain file of a bundle", hdr.Name)
		}
		if seen[hdr.Name] {
			return res, fail(hdr.Name, "appears twice in the archive")
		}
		seen[hdr.Name] = true
		data, err := io.ReadAll(io.LimitReader(tr, maxEntrySize+1))
		if err != nil {
			return res, fail(hdr.Name, "cannot be read from the archive: %v", err)
		}
		files = append(files, file{hdr.Name, data})
	}
	get := func(name string) ([]byte, bool) {
		for _, f := range files {
			if f.name == name {
				return f.data, true
			}
		}
		return nil, false
	}
	// 2. The key and the signature.
	keyText, ok := get(keyFile)
	if !ok {
		return res, fail(keyFile, "missing: the bundle does not carry its public key")
	}
	key := strings.TrimSpace(string(keyText))
	if pin = strings.TrimSpace(pin); pin != "" {
		if key != pin {
			return res, fail(keyFile, "the bundle is signed by %q, not by the pinned key %q", key, pin)
		}
		res.Pinned = true
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return res, fail(keyFile, "not a verifier key: %v", err)
	}
	res.Key = key
	sig, ok := get(sigFile)
	if !ok {
		return res, fail(sigFile, "missing: the bundle is not signed")
	}
	n, err := note.Open(sig, note.VerifierList(v))
	if err != nil {
		return res, fail(sigFile, "the signature does not verify under the key in %s (%s): %v; SIGNATURE or %s was changed", keyFile, v.Name(), err, keyFile)
	}
	// The signature must be written exactly as a signer writes it: note.Open accepts extra
	// signatures by unknown keys and base64 with stray padding bits, either of which would
	// let a byte of SIGNATURE change unnoticed.
	if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 0 {
		return res, fail(sigFile, "holds %d signatures; a bundle carries exactly one", len(n.Sigs)+len(n.UnverifiedSigs))
	}
	raw, err := base64.StdEncoding.DecodeString(n.Sigs[0].Base64)
	if err != nil || base64.StdEncoding.EncodeToString(raw) != n.Sigs[0].Base64 ||
		string(sig) != n.Text+"\n\u2014 "+n.Sigs[0].Name+" "+n.Sigs[0].Base64+"\n" {
		return res, fail(sigFile, "not in the canonical form a signer writes")
	}
	// 3. The signed list: every file but SIGNATURE, with its hash and size, in order.
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != sigHeader || !strings.HasPrefix(lines[1], "time ") {
		return res, fail(sigFile, "the signed text is not a bundle's file list")
	}
	at, err := time.Parse(time.RFC3339, strings.TrimPrefix(lines[1], "time "))
	if err != nil {
		return res, fail(sigFile, "the signed time does not parse: %v", err)
	}
	res.GeneratedAt = at
	var order []file
	listed := map[string]bool{}
	for _, l := range lines[2:] {
		parts := strings.SplitN(l, " ", 3)
		if len(parts) != 3 {
			return res, fail(sigFile, "malformed line %q in the signed list", l)
		}
		name := parts[2]
		size, err := strconv.Atoi(parts[1])
		if err != nil || listed[name] || name == sigFile {
			return res, fail(sigFile, "malformed line %q in the signed list", l)
		}
		listed[name] = true
		data, ok := get(name)
		if !ok {
			return res, fail(name, "listed in the signature but missing from the archive")
		}
		sum := sha256.Sum256(data)
		if len(data) != size || hex.EncodeToString(sum[:]) != parts[0] {
			return res, fail(name, "changed: its sha256 or size differs from the signed list")
		}
		order = append(order, file{name, data})
	}
	for _, f := range files {
		if f.name != sigFile && !listed[f.name] {
			return res, fail(f.name, "in the archive but not in the signed list")
		}
	}
	// 4. The bytes: exactly the canonical archive of those files, so no header, padding or
	// trailing byte can change unnoticed.
	var canon bytes.Buffer
	regions, err := writeArchive(&canon, append(order, file{sigFile, sig}), at)
	if err != nil {
		return res, fail("the archive", "cannot be rebuilt: %v", err)
	}
	if off := firstDiff(archive, canon.Bytes()); off >= 0 {
		return res, fail("the archive", "byte %d (in %s) differs from the canonical archive of the signed files", off, describe(regions, off))
	}
	res.Files = len(files)
	_, res.PDF = get("report.pdf")
	// 5. The contents.
	for _, need := range []string{"bundle.json", "report.html", "audit.json"} {
		if !listed[need] {
			return res, fail(need, "missing from the bundle")
		}
	}
	var meta Meta
	if b, _ := get("bundle.json"); json.Unmarshal(b, &meta) != nil || meta.Format != Format {
		return res, fail("bundle.json", "not a %s description", Format)
	}
	if !meta.GeneratedAt.Equal(at) || meta.Key != key {
		return res, fail("bundle.json", "its time or key disagrees with the signature")
	}
	var a Audit
	if b, _ := get("audit.json"); json.Unmarshal(b, &a) != nil {
		return res, fail("audit.json", "does not parse")
	}
	if err := checkAudit(a, v); err != nil {
		return res, err
	}
	res.Checkpoints, res.Proofs, res.LogSize = len(a.Checkpoints), len(a.Consistency), a.Size
	return res, nil
}

// checkAudit verifies the checkpoints (signed by the bundle's key) and the consistency
// proof between each and the next.
func checkAudit(a Audit, v note.Verifier) error {
	if len(a.Checkpoints) == 0 {
		return fail("audit.json", "holds no signed checkpoint")
	}
	roots := make([][]byte, len(a.Checkpoints))
	for i, c := range a.Checkpoints {
		cp, err := audit.Open([]byte(c.Note), v)
		if err != nil {
			return fail("audit.json", "checkpoint %d (size %d) does not verify: %v", i, c.Size, err)
		}
		if cp.Size != c.Size || base64.StdEncoding.EncodeToString(cp.Root) != c.Root {
			return fail("audit.json", "checkpoint %d states a size or root its signed note does not", i)
		}
		if i > 0 && cp.Size <= a.Checkpoints[i-1].Size {
			return fail("audit.json", "checkpoints are not in increasing size")
		}
		roots[i] = cp.Root
	}
	if len(a.Consistency) != len(a.Checkpoints)-1 {
		return fail("audit.json", "%d consistency proofs for %d checkpoints", len(a.Consistency), len(a.Checkpoints))
	}
	for i, p := range a.Consistency {
		if p.Old != a.Checkpoints[i].Size || p.New != a.Checkpoints[i+1].Size {
			return fail("audit.json", "consistency proof %d is not between checkpoints %d and %d", i, i, i+1)
		}
		proof := make([][]byte, len(p.Proof))
		for k, s := range p.Proof {
			h, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return fail("audit.json", "consistency proof %d is not base64", i)
			}
			proof[k] = h
		}
		if err := merkleproof.VerifyConsistency(rfc6962.DefaultHasher, p.Old, p.New, proof, roots[i], roots[i+1]); err != nil {
			return fail("audit.json", "the log of size %d is not a prefix of the log of size %d: %v", p.Old, p.New, err)
		}
	}
	if last := a.Checkpoints[len(a.Checkpoints)-1].Size; last > a.Size {
		return fail("audit.json", "a checkpoint of size %d is beyond the log's %d leaves", last, a.Size)
	}
	return nil
}

// IsVerifyError reports whether err is a verification failure (not an I/O error).
func IsVerifyError(err error) bool {
	var ve *VerifyError
	return errors.As(err, &ve)
}
