package partner

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Token prefixes. The version is in the prefix so a future format is refused by name.
const (
	InvitePrefix     = "steward-invite-v1."
	AcceptancePrefix = "steward-accept-v1."
)

// MaxURLLen bounds an instance URL.
const MaxURLLen = 2048

// DefaultSkew is how far a signed time may be from the verifier's clock.
const DefaultSkew = 5 * time.Minute

// Invite is what an instance hands out (out of band: by a privacy officer, over a channel
// the two companies trust) to be paired with: its URL, its public key, a one-time secret
// and an expiry. Whoever holds the invite can pair with the inviter once, before it
// expires; the inviter keeps the invite (secret included) until it is used or expires.
type Invite struct {
	URL     string
	Key     ed25519.PublicKey
	Secret  [32]byte
	Expires time.Time // whole seconds, UTC
}

// NewInvite returns an invite to pair with id at url, valid until expires; the secret is
// drawn from r (nil means crypto/rand).
func NewInvite(id *Identity, instanceURL string, expires time.Time, r io.Reader) (Invite, error) {
	u, err := CheckURL(instanceURL)
	if err != nil {
		return Invite{}, fmt.Errorf("new invite: %w", err)
	}
	if r == nil {
		r = rand.Reader
	}
	inv := Invite{URL: u, Key: id.PublicKey(), Expires: expires.UTC().Truncate(time.Second)}
	if _, err := io.ReadFull(r, inv.Secret[:]); err != nil {
		return Invite{}, fmt.Errorf("new invite: %w", err)
	}
	return inv, nil
}

// ID names the invite without revealing its secret: what an acceptance quotes and what
// the inviter stores it under.
func (inv Invite) ID() string {
	h := sha256.Sum256(append([]byte("STEWARD-INVITE-ID-V1"), inv.Secret[:]...))
	return hex.EncodeToString(h[:16])
}

// String returns the invite token:
//
//	"steward-invite-v1." base64url( version:u8(1) expires:i64 key:32 secret:32
//	                                url_len:u16 url checksum:4 )
//
// unpadded; checksum is the first 4 bytes of SHA-256 over what precedes it, so a token
// mangled by copy and paste is refused as such, not as a failed pairing.
func (inv Invite) String() string {
	b := []byte{1}
	b = binary.BigEndian.AppendUint64(b, uint64(inv.Expires.Unix()))
	b = append(b, inv.Key...)
	b = append(b, inv.Secret[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(inv.URL)))
	b = append(b, inv.URL...)
	sum := sha256.Sum256(b)
	b = append(b, sum[:4]...)
	return InvitePrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParseInvite reads an invite token. It checks the shape strictly (prefix, unpadded
// base64url, version 1, lengths that add up, the checksum, a usable URL, a positive
// expiry) but not the expiry against a clock: Accept does.
func ParseInvite(token string) (Invite, error) {
	fail := func(reason, format string, args ...any) (Invite, error) {
		return Invite{}, &FormatError{What: "invite", Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	const fixed = 1 + 8 + 32 + 32 + 2 + 4
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), InvitePrefix)
	if !ok {
		return fail(ReasonPrefix, "does not start with %q", InvitePrefix)
	}
	if len(rest) > base64.RawURLEncoding.EncodedLen(fixed+MaxURLLen) {
		return fail(ReasonLength, "longer than any invite")
	}
	b, err := decodeB64(rest)
	if err != nil {
		return fail(ReasonBase64, "not unpadded base64url")
	}
	if len(b) < fixed {
		return fail(ReasonLength, "%d bytes, an invite has at least %d", len(b), fixed)
	}
	body, sum := b[:len(b)-4], b[len(b)-4:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:4]) {
		return fail(ReasonChecksum, "checksum mismatch: the invite was not copied whole")
	}
	if body[0] != 1 {
		return fail(ReasonPrefix, "version %d", body[0])
	}
	exp := binary.BigEndian.Uint64(body[1:9])
	n := int(binary.BigEndian.Uint16(body[9+64 : 9+64+2]))
	if 9+64+2+n != len(body) {
		return fail(ReasonLength, "url length %d does not match the %d bytes left", n, len(body)-9-64-2)
	}
	if exp == 0 || exp > math.MaxInt64/2 {
		return fail(ReasonField, "expiry out of range")
	}
	inv := Invite{Key: bytes.Clone(body[9:41]), Expires: time.Unix(int64(exp), 0).UTC()}
	copy(inv.Secret[:], body[41:73])
	u, err := CheckURL(string(body[75:]))
	if err != nil || u != string(body[75:]) {
		return fail(ReasonField, "the instance url is not a canonical https (or loopback http) url")
	}
	inv.URL = u
	return inv, nil
}

// CheckURL returns the canonical form of an instance URL: https with a host (or http on a
// loopback host, for tests and demos on one machine), no user information, query or
// fragment, no trailing slash. Partner calls go to URL + path.
func CheckURL(s string) (string, error) {
	fail := func(detail string) (string, error) { return "", fmt.Errorf("%w: %s", ErrURL, detail) }
	if len(s) > MaxURLLen {
		return fail("longer than 2048 bytes")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fail("does not parse")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fail("scheme must be https")
	case u.Host == "" || u.Opaque != "":
		return fail("no host")
	case u.User != nil:
		return fail("user information is not allowed")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "":
		return fail("a query or fragment is not allowed")
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return fail("http only on a loopback host; use https")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fail("spaces, controls and non-ASCII bytes are not allowed")
		}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// Acceptance is the invitee's answer, sent to the inviter's URL: it names the invite,
// announces the invitee's URL and public key, proves knowledge of the invite's one-time
// secret (an HMAC keyed with it, so the secret itself never travels again) and possession
// of the announced key (a signature). The inviter pins the key once Verify passes and
// marks the invite used.
type Acceptance struct {
	InviteID string
	URL      string
	Key      ed25519.PublicKey
	Time     time.Time // whole seconds, UTC
	MAC      [32]byte
	Sig      [ed25519.SignatureSize]byte
}

// Accept answers inv as self, reachable at selfURL, at now.
func Accept(inv Invite, self *Identity, selfURL string, now time.Time) (Acceptance, error) {
	if !now.Before(inv.Expires) {
		return Acceptance{}, fmt.Errorf("accept invite: %w", ErrExpired)
	}
	u, err := CheckURL(selfURL)
	if err != nil {
		return Acceptance{}, fmt.Errorf("accept invite: %w", err)
	}
	a := Acceptance{InviteID: inv.ID(), URL: u, Key: self.PublicKey(), Time: now.UTC().Truncate(time.Second)}
	if bytes.Equal(a.Key, inv.Key) {
		return Acceptance{}, fmt.Errorf("accept invite: %w", ErrSelfPairing)
	}
	msg := a.signed(inv.Key)
	mac := hmac.New(sha256.New, inv.Secret[:])
	mac.Write(msg)
	mac.Sum(a.MAC[:0])
	copy(a.Sig[:], self.sign(append(msg, a.MAC[:]...)))
	return a, nil
}

// signed is what the MAC and the signature cover: a label, the invite id, the inviter's
// key (so an acceptance cannot be redirected to another inviter), the time, and the
// invitee's key and URL.
func (a Acceptance) signed(inviter ed25519.PublicKey) []byte {
	b := []byte("STEWARD-PARTNER-ACCEPT-V1")
	b = append(b, 0)
	b = append(b, a.InviteID...)
	b = append(b, inviter...)
	b = binary.BigEndian.AppendUint64(b, uint64(a.Time.Unix()))
	b = append(b, a.Key...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.URL)))
	return append(b, a.URL...)
}

// Verify checks a as the inviter of inv at now: it names inv, inv has not expired, its
// time is within skew of now (0 means DefaultSkew), it is not the inviter's own key, the
// MAC shows the invite's secret and the signature the announced key. The caller must also
// make the invite single-use (mark it used in the same transaction that pins the key).
func (inv Invite) Verify(a Acceptance, now time.Time, skew time.Duration) error {
	if skew <= 0 {
		skew = DefaultSkew
	}
	switch {
	case !now.Before(inv.Expires):
		return fmt.Errorf("verify acceptance: %w", ErrExpired)
	case a.InviteID != inv.ID():
		return fmt.Errorf("verify acceptance: %w: it names another invite", ErrBadAcceptance)
	case a.Time.Sub(now) > skew || now.Sub(a.Time) > skew:
		return fmt.Errorf("verify acceptance: %w", ErrStale)
	case bytes.Equal(a.Key, inv.Key):
		return fmt.Errorf("verify acceptance: %w", ErrSelfPairing)
	case len(a.Key) != ed25519.PublicKeySize:
		return fmt.Errorf("verify acceptance: %w: key size", ErrBadAcceptance)
	}
	msg := a.signed(inv.Key)
	mac := hmac.New(sha256.New, inv.Secret[:])
	mac.Write(msg)
	if !hmac.Equal(mac.Sum(nil), a.MAC[:]) {
		return fmt.Errorf("verify acceptance: %w: the MAC does not show the invite's secret", ErrBadAcceptance)
	}
	if !ed25519.Verify(a.Key, append(msg, a.MAC[:]...), a.Sig[:]) {
		return fmt.Errorf("verify acceptance: %w: the signature does not verify", ErrBadAcceptance)
	}
	return nil
}

// String returns the acceptance token:
//
//	"steward-accept-v1." base64url( version:u8(1) invite_id:16 time:i64 key:32
//	                                url_len:u16 url mac:32 sig:64 )
func (a Acceptance) String() string {
	id, _ := hex.DecodeString(a.InviteID)
	b := []byte{1}
	b = append(b, id...)
	b = binary.BigEndian.AppendUint64(b, uint64(a.Time.Unix()))
	b = append(b, a.Key...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.URL)))
	b = append(b, a.URL...)
	b = append(b, a.MAC[:]...)
	b = append(b, a.Sig[:]...)
	return AcceptancePrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParseAcceptance reads an acceptance token, strictly (prefix, unpadded base64url,
// version 1, lengths that add up, a usable URL, a positive time). Verify checks it.
func ParseAcceptance(token string) (Acceptance, error) {
	fail := func(reason, format string, args ...any) (Acceptance, error) {
		return Acceptance{}, &FormatError{What: "acceptance", Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	const fixed = 1 + 16 + 8 + 32 + 2 + 32 + 64
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), AcceptancePrefix)
	if !ok {
		return fail(ReasonPrefix, "does not start with %q", AcceptancePrefix)
	}
	if len(rest) > base64.RawURLEncoding.EncodedLen(fixed+MaxURLLen) {
		return fail(ReasonLength, "longer than any acceptance")
	}
	b, err := decodeB64(rest)
	if err != nil {
		return fail(ReasonBase64, "not unpadded base64url")
	}
	if len(b) < fixed {
		return fail(ReasonLength, "%d bytes, an acceptance has at least %d", len(b), fixed)
	}
	if b[0] != 1 {
		return fail(ReasonPrefix, "version %d", b[0])
	}
	ts := binary.BigEndian.Uint64(b[17:25])
	n := int(binary.BigEndian.Uint16(b[57:59]))
	if fixed+n != len(b) {
		return fail(ReasonLength, "url length %d does not match the %d bytes left", n, len(b)-fixed)
	}
	if ts == 0 || ts > math.MaxInt64/2 {
		return fail(ReasonField, "time out of range")
	}
	a := Acceptance{InviteID: hex.EncodeToString(b[1:17]), Time: time.Unix(int64(ts), 0).UTC(), Key: bytes.Clone(b[25:57])}
	u, err := CheckURL(string(b[59 : 59+n]))
	if err != nil || u != string(b[59:59+n]) {
		return fail(ReasonField, "the instance url is not a canonical https (or loopback http) url")
	}
	a.URL = u
	copy(a.MAC[:], b[59+n:])
	copy(a.Sig[:], b[59+n+32:])
	return a, nil
}
