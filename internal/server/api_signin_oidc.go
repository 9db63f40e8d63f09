package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/stewardhq/steward/internal/signin"
)

// OIDC configures operators' sign-in to the console through the shop's OpenID Connect
// provider (issue 18 item 3); see `steward serve --oidc-issuer`.
type OIDC struct {
	Issuer       string // the provider's issuer URL (its discovery document names the same)
	ClientID     string
	ClientSecret string
	// RedirectURL is where the provider sends the browser back: the public URL's
	// /api/v1/signin/oidc/callback when empty.
	RedirectURL string
	// Name labels the console's sign-in button ("Sign in with <Name>"); empty: the issuer's
	// host.
	Name string
}

// oidcFlow is the relying party: the authorization code flow with PKCE (S256), a random
// state and nonce per attempt, kept in a sealed, short-lived cookie (so any node of a
// deployment configured alike can finish an attempt another began), and the ID token's
// signature, issuer, audience, expiry and nonce checked by go-oidc before anyone is signed
// in. Which operator the identity is, and the session, are signin's.
type oidcFlow struct {
	s      *Server
	cfg    OIDC
	svc    *signin.Service
	aead   cipher.AEAD
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

const (
	oidcCookie     = "steward_oidc"
	oidcCookiePath = "/api/v1/signin/oidc"
	oidcAttemptTTL = 10 * time.Minute
)

func newOIDCFlow(s *Server, cfg OIDC, svc *signin.Service) (*oidcFlow, error) {
	// The cookie key derives from the client secret, which every node shares; a public
	// client (no secret) gets a key of this process only.
	ikm := []byte(cfg.ClientSecret)
	if len(ikm) == 0 {
		ikm = make([]byte, 32)
		rand.Read(ikm)
	}
	key, err := hkdf.Key(sha256.New, ikm, []byte(cfg.Issuer+"\x00"+cfg.ClientID), "steward/oidc-attempt", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &oidcFlow{s: s, cfg: cfg, svc: svc, aead: aead, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// discover fetches the provider's discovery document once (retried on the next sign-in if
// the provider did not answer).
func (f *oidcFlow) discover(ctx context.Context) (*oidc.Provider, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider != nil {
		return f.provider, nil
	}
	// The provider keeps the context for fetching its signing keys later: one that
	// outlives this request.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), f.client), f.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	f.provider = p
	return p, nil
}

func (f *oidcFlow) oauth(p *oidc.Provider, r *http.Request) *oauth2.Config {
	redirect := f.cfg.RedirectURL
	if redirect == "" {
		redirect = f.s.publicBase(r) + oidcCookiePath + "/callback"
	}
	return &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// attempt is one sign-in in progress: what the callback must find again.
type attempt struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Expires  time.Time `json:"e"`
}

func (f *oidcFlow) seal(a attempt) string {
	b, _ := json.Marshal(a)
	nonce := make([]byte, f.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(f.aead.Seal(nonce, nonce, b, []byte(oidcCookie)))
}

func (f *oidcFlow) open(v string) (attempt, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < f.aead.NonceSize() {
		return attempt{}, false
	}
	pt, err := f.aead.Open(nil, b[:f.aead.NonceSize()], b[f.aead.NonceSize():], []byte(oidcCookie))
	if err != nil {
		return attempt{}, false
	}
	var a attempt
	if json.Unmarshal(pt, &a) != nil || timeNow().After(a.Expires) {
		return attempt{}, false
	}
	return a, true
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (f *oidcFlow) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: oidcCookie, Value: value, Path: oidcCookiePath, MaxAge: maxAge, HttpOnly: true,
		Secure: strings.HasPrefix(f.s.publicBase(r), "https://"), SameSite: http.SameSiteLaxMode}
}

// SigninMethods tells the console how operators may sign in.
type SigninMethods struct {
	Token bool `json:"token"`
	OIDC  bool `json:"oidc"`
	// OIDCName labels the provider's button.
	OIDCName string `json:"oidc_name,omitempty"`
}

func (s *Server) signinMethods(w http.ResponseWriter, r *http.Request) error {
	out := SigninMethods{Token: true}
	if f := s.oidc; f != nil {
		out.OIDC, out.OIDCName = true, f.cfg.Name
		if out.OIDCName == "" {
			out.OIDCName = strings.TrimPrefix(strings.TrimPrefix(f.cfg.Issuer, "https://"), "http://")
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// start sends the browser to the provider. It changes nothing on the server: the attempt
// lives in the browser's cookie.
func (f *oidcFlow) start(w http.ResponseWriter, r *http.Request) error {
	p, err := f.discover(r.Context())
	if err != nil {
		logger(r).Warn("oidc: the provider's discovery failed", "err", err)
		return Errorf(http.StatusBadGateway, CodeUnavailable, "the identity provider does not answer; sign in with a token or try again")
	}
	a := attempt{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Expires: timeNow().Add(oidcAttemptTTL)}
	http.SetCookie(w, f.cookie(r, f.seal(a), int(oidcAttemptTTL/time.Second)))
	http.Redirect(w, r, f.oauth(p, r).AuthCodeURL(a.State, oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier)), http.StatusFound)
	return nil
}

// Reasons a sign-in through the provider failed, as the console shows them.
const (
	oidcRefusedProvider = "provider"   // the provider answered with an error
	oidcRefusedAttempt  = "attempt"    // no attempt, an expired one, or a state that is not its own
	oidcRefusedToken    = "token"      // the code exchange or the ID token's checks failed
	oidcRefusedUnknown  = "unknown"    // the identity is no operator's login
	oidcRefusedInternal = "internal"   // Steward could not finish
	oidcSignedIn        = "signin"     // the fragment carrying the session
	oidcRefused         = "signin_err" // the fragment carrying the reason
)

// callback finishes an attempt: the state must be the attempt's, the code is exchanged
// with the PKCE verifier, the ID token must be the provider's, for this client, fresh and
// carry the attempt's nonce; then signin decides who the operator is. The console gets the
// session in the URL fragment (never sent to a server, nor in a Referer), or the reason.
func (f *oidcFlow) callback(w http.ResponseWriter, r *http.Request) error {
	back := func(key, value string) error {
		http.Redirect(w, r, f.s.publicBase(r)+"/console/#"+key+"="+value, http.StatusFound)
		return nil
	}
	fail := func(reason string, err error) error {
		logger(r).Warn("oidc: sign-in refused", "reason", reason, "err", err) // no identity in logs
		return back(oidcRefused, reason)
	}
	q := r.URL.Query()
	c, err := r.Cookie(oidcCookie)
	http.SetCookie(w, f.cookie(r, "", -1)) // one attempt, one callback
	if e := q.Get("error"); e != "" {
		return fail(oidcRefusedProvider, errors.New("provider error "+e))
	}
	if err != nil {
		return fail(oidcRefusedAttempt, errors.New("no attempt cookie"))
	}
	a, ok := f.open(c.Value)
	if !ok || q.Get("state") == "" || q.Get("state") != a.State {
		return fail(oidcRefusedAttempt, errors.New("the state is not the attempt's"))
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	p, err := f.discover(ctx)
	if err != nil {
		return fail(oidcRefusedProvider, err)
	}
	tok, err := f.oauth(p, r).Exchange(oidc.ClientContext(ctx, f.client), q.Get("code"), oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return fail(oidcRefusedToken, fmt.Errorf("code exchange: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := f.verify(ctx, p, raw, a.Nonce)
	if err != nil {
		return fail(oidcRefusedToken, err)
	}
	if id.Email == "" {
		// Providers may keep the email out of the ID token: the userinfo of the same
		// subject has it.
		if ui, err := p.UserInfo(oidc.ClientContext(ctx, f.client), oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == id.Subject {
			id.Email, id.EmailVerified = ui.Email, ui.EmailVerified
		}
	}
	secret, op, _, err := f.svc.SignIn(ctx, id)
	if errors.Is(err, signin.ErrUnknownOperator) {
		return fail(oidcRefusedUnknown, err)
	}
	if err != nil {
		return fail(oidcRefusedInternal, err)
	}
	logger(r).Info("oidc: operator signed in", "operator", op.ID)
	return back(oidcSignedIn, secret)
}

// Errors of an ID token that must not sign anyone in.
var (
	errNoIDToken = errors.New("oidc: the token response holds no ID token")
	errNonce     = errors.New("oidc: the ID token's nonce is not the attempt's")
)

// verify checks an ID token (signature by the provider's keys, issuer, audience = this
// client, expiry; go-oidc) and that it answers this attempt (nonce).
func (f *oidcFlow) verify(ctx context.Context, p *oidc.Provider, raw, nonce string) (signin.Identity, error) {
	if raw == "" {
		return signin.Identity{}, errNoIDToken
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: f.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return signin.Identity{}, fmt.Errorf("oidc: %w", err)
	}
	if nonce == "" || idt.Nonce != nonce {
		return signin.Identity{}, errNonce
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // a boolean, or "true" from some providers
	}
	if err := idt.Claims(&claims); err != nil {
		return signin.Identity{}, fmt.Errorf("oidc: claims: %w", err)
	}
	verified := claims.EmailVerified == true || claims.EmailVerified == "true"
	return signin.Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email, EmailVerified: verified}, nil
}

var timeNow = time.Now
