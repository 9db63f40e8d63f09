package partner

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// HeaderName is the HTTP header that carries a request's signature.
const HeaderName = "Steward-Signature"

// Request is what a signature covers of an HTTP call between instances. Path is the
// request target as sent: path and raw query ("/api/v1/partner/jobs/j-1/messages").
type Request struct {
	Method string
	Path   string
	Body   []byte
}

// MaxPathLen bounds a signed path.
const MaxPathLen = 2048

func (r Request) check() error {
	if r.Method == "" || len(r.Method) > 16 || strings.Trim(r.Method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return fmt.Errorf("%w: method must be 1 to 16 upper-case letters", ErrRequest)
	}
	if !strings.HasPrefix(r.Path, "/") || len(r.Path) > MaxPathLen {
		return fmt.Errorf("%w: path must start with '/' and be at most %d bytes", ErrRequest, MaxPathLen)
	}
	for i := 0; i < len(r.Path); i++ {
		if r.Path[i] <= ' ' || r.Path[i] >= 0x7f {
			return fmt.Errorf("%w: path must be printable ASCII without spaces (percent-encode the rest)", ErrRequest)
		}
	}
	return nil
}

// Signature is a parsed Steward-Signature header:
//
//	v1;key=<key id>;ts=<unix seconds>;nonce=<16 bytes b64url>;digest=<SHA-256 of the body b64url>;sig=<ed25519 b64url>
//
// in exactly this order, unpadded base64url throughout. The signature is over
//
//	"STEWARD-PARTNER-REQUEST-V1\n" "from:" key "\n" "to:" recipient key id "\n"
//	"method:" METHOD "\n" "path:" path "\n" "ts:" ts "\n" "nonce:" nonce "\n" "digest:" digest "\n"
//
// so it binds the sender, the recipient (a request signed for one partner cannot be
// replayed to another), the method, the path with its query, the body, the time and the
// nonce. (RFC 9421 HTTP Message Signatures does the same in general; this is the small
// fixed subset two Steward instances need.)
type Signature struct {
	KeyID  string
	Time   time.Time
	Nonce  string
	Digest [32]byte
	Sig    [ed25519.SignatureSize]byte
}

var b64 = base64.RawURLEncoding

// String returns the header value.
func (s Signature) String() string {
	return "v1;key=" + s.KeyID + ";ts=" + strconv.FormatInt(s.Time.Unix(), 10) + ";nonce=" + s.Nonce +
		";digest=" + b64.EncodeToString(s.Digest[:]) + ";sig=" + b64.EncodeToString(s.Sig[:])
}

// MaxHeaderLen bounds a signature header.
const MaxHeaderLen = 256

// ParseSignature reads a header value strictly: version v1, the five fields in order,
// each once, a key id of a 32-byte key, a positive decimal time without leading zeros,
// a 16-byte nonce, a 32-byte digest, a 64-byte signature.
func ParseSignature(h string) (Signature, error) {
	fail := func(reason, detail string) (Signature, error) {
		return Signature{}, &FormatError{What: "signature", Reason: reason, Detail: detail}
	}
	if len(h) > MaxHeaderLen {
		return fail(ReasonLength, "longer than any signature header")
	}
	parts := strings.Split(h, ";")
	if len(parts) != 6 || parts[0] != "v1" {
		return fail(ReasonPrefix, "want v1;key=…;ts=…;nonce=…;digest=…;sig=…")
	}
	var vals [5]string
	for i, name := range []string{"key", "ts", "nonce", "digest", "sig"} {
		v, ok := strings.CutPrefix(parts[i+1], name+"=")
		if !ok {
			return fail(ReasonField, "field "+strconv.Itoa(i+1)+" must be "+name)
		}
		vals[i] = v
	}
	var s Signature
	if _, err := ParseKeyID(vals[0]); err != nil {
		return fail(ReasonField, "key is not a key id")
	}
	s.KeyID = vals[0]
	ts, err := strconv.ParseInt(vals[1], 10, 64)
	if err != nil || ts <= 0 || vals[1] != strconv.FormatInt(ts, 10) || ts > 1<<40 {
		return fail(ReasonField, "ts is not a positive decimal unix time")
	}
	s.Time = time.Unix(ts, 0).UTC()
	if n, err := decodeB64(vals[2]); err != nil || len(n) != 16 {
		return fail(ReasonField, "nonce is not 16 bytes of base64url")
	}
	s.Nonce = vals[2]
	if d, err := decodeB64(vals[3]); err != nil || len(d) != 32 {
		return fail(ReasonField, "digest is not 32 bytes of base64url")
	} else {
		copy(s.Digest[:], d)
	}
	if g, err := decodeB64(vals[4]); err != nil || len(g) != ed25519.SignatureSize {
		return fail(ReasonField, "sig is not 64 bytes of base64url")
	} else {
		copy(s.Sig[:], g)
	}
	return s, nil
}

func signedBytes(from, to string, r Request, ts int64, nonce string, digest [32]byte) []byte {
	var b strings.Builder
	b.WriteString("STEWARD-PARTNER-REQUEST-V1\n")
	for _, kv := range [][2]string{{"from", from}, {"to", to}, {"method", r.Method}, {"path", r.Path},
		{"ts", strconv.FormatInt(ts, 10)}, {"nonce", nonce}, {"digest", b64.EncodeToString(digest[:])}} {
		b.WriteString(kv[0])
		b.WriteByte(':')
		b.WriteString(kv[1])
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// Signer signs this instance's calls to its partners.
type Signer struct {
	id   *Identity
	now  func() time.Time
	rand io.Reader
}

// NewSigner returns a signer for id; now and r may be nil (time.Now, crypto/rand).
func NewSigner(id *Identity, now func() time.Time, r io.Reader) *Signer {
	if now == nil {
		now = time.Now
	}
	if r == nil {
		r = rand.Reader
	}
	return &Signer{id: id, now: now, rand: r}
}

// Sign returns the Steward-Signature header value for r sent to the partner whose pinned
// key is to.
func (s *Signer) Sign(to ed25519.PublicKey, r Request) (string, error) {
	if err := r.check(); err != nil {
		return "", fmt.Errorf("sign request: %w", err)
	}
	if len(to) != ed25519.PublicKeySize {
		return "", fmt.Errorf("sign request: %w: recipient key size", ErrKey)
	}
	var n [16]byte
	if _, err := io.ReadFull(s.rand, n[:]); err != nil {
		return "", fmt.Errorf("sign request: %w", err)
	}
	sig := Signature{KeyID: s.id.KeyID(), Time: s.now().UTC().Truncate(time.Second), Nonce: b64.EncodeToString(n[:]),
		Digest: sha256.Sum256(r.Body)}
	copy(sig.Sig[:], s.id.sign(signedBytes(sig.KeyID, KeyID(to), r, sig.Time.Unix(), sig.Nonce, sig.Digest)))
	return sig.String(), nil
}

// Peer is a partner as the verifier sees it: its id in this instance's store, its pinned
// key and its status.
type Peer struct {
	ID     string
	Key    ed25519.PublicKey
	Status Status
}

// Peers finds a partner by the key id a request names (the store implements it).
type Peers interface {
	// PeerByKey returns the partner pinning keyID, or an error matching ErrUnknownPeer.
	PeerByKey(ctx context.Context, keyID string) (Peer, error)
}

// NonceStore remembers the nonces of accepted requests until they are stale anyway, so a
// replay within the window is refused. MemoryNonces is the in-process one; with several
// nodes the store backs it, atomically (insert if absent).
type NonceStore interface {
	// Remember records (keyID, nonce) until until and reports whether it was new.
	Remember(ctx context.Context, keyID, nonce string, until time.Time) (fresh bool, err error)
}

// VerifierConfig is what a Verifier needs.
type VerifierConfig struct {
	// Self is this instance's public key: only requests addressed to it verify.
	Self   ed25519.PublicKey
	Peers  Peers
	Nonces NonceStore
	// Skew is how far a request's time may be from now, either way; 0 means DefaultSkew.
	Skew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks calls from partners.
type Verifier struct {
	cfg  VerifierConfig
	self string
}

// NewVerifier returns a Verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Self) != ed25519.PublicKeySize || cfg.Peers == nil || cfg.Nonces == nil {
		return nil, fmt.Errorf("new verifier: %w: needs this instance's key, the peers and a nonce store", ErrKey)
	}
	if cfg.Skew <= 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, self: KeyID(cfg.Self)}, nil
}

// Verify checks the Steward-Signature header of r and returns the calling partner. In
// order: the header parses; a partner pins the key; it is active; the time is within the
// window; the body matches the digest; the signature verifies against the pinned key for
// this recipient, method, path, body, time and nonce; and only then is the nonce
// recorded, so forged requests cannot fill the cache or burn a genuine nonce.
func (v *Verifier) Verify(ctx context.Context, header string, r Request) (Peer, error) {
	fail := func(err error) (Peer, error) { return Peer{}, fmt.Errorf("verify partner request: %w", err) }
	s, err := ParseSignature(header)
	if err != nil {
		return fail(err)
	}
	if err := r.check(); err != nil {
		return fail(err)
	}
	p, err := v.cfg.Peers.PeerByKey(ctx, s.KeyID)
	if err != nil {
		return fail(err)
	}
	if KeyID(p.Key) != s.KeyID {
		return fail(ErrUnknownPeer)
	}
	switch p.Status {
	case StatusActive:
	case StatusSuspended:
		return fail(ErrSuspended)
	case StatusRevoked:
		return fail(ErrRevoked)
	default:
		return fail(fmt.Errorf("%w: status %q", ErrUnknownPeer, p.Status))
	}
	now := v.cfg.Now()
	if s.Time.Sub(now) > v.cfg.Skew || now.Sub(s.Time) > v.cfg.Skew {
		return fail(ErrStale)
	}
	if sha256.Sum256(r.Body) != s.Digest {
		return fail(ErrTamperedBody)
	}
	if !ed25519.Verify(p.Key, signedBytes(s.KeyID, v.self, r, s.Time.Unix(), s.Nonce, s.Digest), s.Sig[:]) {
		return fail(ErrBadSignature)
	}
	fresh, err := v.cfg.Nonces.Remember(ctx, s.KeyID, s.Nonce, s.Time.Add(v.cfg.Skew))
	if err != nil {
		return fail(err)
	}
	if !fresh {
		return fail(ErrReplay)
	}
	return p, nil
}
